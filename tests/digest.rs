//! Digest tests: selection, ordering, reading time, speech rules, periods
//! without incidents, the built pages, and the Listen control in headless
//! Chromium.

use std::path::{Path, PathBuf};
use std::time::Instant;

use casebook::digest::{Digester};

#[test]
#[ignore = "timing on a large generated archive: DIGEST_BENCH_ROOT=/tmp/d10k cargo test --release --test digest -- --ignored --nocapture"]
fn timing_large_archive() {
    let Some(root) = std::env::var_os("DIGEST_BENCH_ROOT").map(PathBuf::from) else {
        return;
    };
    let mut timings = Vec::new();
    let (archive, _) = casebook::site::load_archive(&root, None, false, jiff::civil::date(2025, 1, 1), &mut timings);
    let archive = archive.unwrap();
    let start = Instant::now();
    let digester = Digester::new(&archive);
    println!("digester new {:?}", start.elapsed());
    let plan: Vec<_> = digester.periods().map(|p| (p, digester.audiences(p))).collect();
    println!("plan {:?}: {} periods, {} digests", start.elapsed(), plan.len(), plan.iter().map(|p| p.1.len()).sum::<usize>());
    let clock = Instant::now();
    let mut words = 0;
    for (p, audiences) in &plan {
        for a in audiences {
            words += digester.digest(*p, a).unwrap().words;
        }
    }
    println!("compose all {:?} ({words} words)", clock.elapsed());
    let clock = Instant::now();
    for (p, audiences) in &plan {
        for a in audiences {
            words += digester.digest(*p, a).unwrap().words;
        }
    }
    println!("compose all again {:?}", clock.elapsed());
    println!("T {:?}", casebook::digest::compose::T.iter().map(|t| t.load(std::sync::atomic::Ordering::Relaxed) / 1_000_000).collect::<Vec<_>>());
    let clock = Instant::now();
    let mut picks = 0;
    for (p, audiences) in &plan {
        for a in audiences {
            picks += digester.select(*p, a).unwrap().picks.len();
        }
    }
    println!("select all {:?} ({picks} picks)", clock.elapsed());
    let _ = Path::new("");
}
