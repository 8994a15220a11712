use casebook::site::load_archive;
#[test]
#[ignore]
fn analysis() {
    let root = std::env::var("ROOT").unwrap();
    let today = jiff::civil::date(2025, 6, 1);
    let mut t = Vec::new();
    let (archive, _) = load_archive(std::path::Path::new(&root), None, false, today, &mut t);
    let archive = archive.unwrap();
    let pairs = casebook::dashboards::repeats::analysis_all_pairs(&archive);
    let n: usize = std::env::var("N").ok().and_then(|n| n.parse().ok()).unwrap_or(40);
    for (a, b, s, t, body, shared) in pairs.iter().take(n) {
        println!("{s:.3} title={t:.3} body={body:.3} accept={shared} | {} | {}", archive.incidents[*a].id, archive.incidents[*b].id);
    }
    let r = casebook::dashboards::repeats::detect(&archive);
    let exhaustive: Vec<(usize, usize)> = pairs.iter().filter(|p| p.5).map(|p| (p.0, p.1)).collect();
    let found: Vec<(usize, usize)> = r.pairs.iter().map(|p| (p.later, p.earlier)).collect();
    let missed: Vec<_> = exhaustive.iter().filter(|p| !found.contains(p)).collect();
    println!("exhaustive accepted {} found {} (incl explicit) missed {}", exhaustive.len(), found.len(), missed.len());
    for p in &r.pairs { println!("PAIR {:.3} explicit={} | {} | {}", p.similarity, p.explicit, archive.incidents[p.later].id, archive.incidents[p.earlier].id); }
    for c in &r.clusters { println!("CLUSTER {:?}", c.incidents.iter().map(|&i| archive.incidents[i].id.as_str()).collect::<Vec<_>>()); }
}

fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    (f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()) * 10
}

#[test]
#[ignore]
fn perf() {
    use std::time::Instant;
    let root = std::env::var("ROOT").unwrap();
    let root = std::path::Path::new(&root);
    let today = jiff::civil::date(2025, 6, 1);
    let mut t = Vec::new();
    let (archive, _) = load_archive(root, None, false, today, &mut t);
    let archive = archive.unwrap();
    println!("incidents {} items {}", archive.incidents.len(), archive.action_items().count());
    for _ in 0..3 {
        let cpu = cpu_ms();
        let c = Instant::now();
        let r = casebook::dashboards::repeats::detect(&archive);
        println!("detect cpu {} ms", cpu_ms() - cpu);
        println!("detect {:?} pairs {} clusters {} biggest {}", c.elapsed(), r.pairs.len(), r.clusters.len(), r.clusters.first().map_or(0, |c| c.incidents.len()));
        let c = Instant::now();
        let e = casebook::dashboards::actions::entries(&archive);
        println!("entries {:?} {}", c.elapsed(), e.len());
        let c = Instant::now();
        let all: Vec<usize> = (0..archive.incidents.len()).collect();
        let m = casebook::dashboards::metrics::compute(&archive, &all, &r);
        println!("metrics compute {:?}", c.elapsed());
        let c = Instant::now();
        let ch = casebook::dashboards::metrics::charts(&m, "").unwrap();
        println!("charts {:?} bytes {}", c.elapsed(), ch.iter().map(|c| c.svg.len()).sum::<usize>());
    }
    let theme = casebook::templates::Theme::load(root, &archive.config).unwrap();
    let out = tempfile::tempdir().unwrap();
    let staging = casebook::output::Staging::create(&out.path().join("site")).unwrap();
    let views = casebook::render::views::Views::new(&archive);
    let c = Instant::now();
    let cpu = cpu_ms();
    let n = casebook::dashboards::write_pages(&archive, &theme, &staging, &views).unwrap();
    println!("write_pages {:?} cpu {} ms files {}", c.elapsed(), cpu_ms() - cpu, n);
}

#[test]
#[ignore]
fn bigcluster() {
    let root = std::env::var("ROOT").unwrap();
    let today = jiff::civil::date(2025, 6, 1);
    let mut t = Vec::new();
    let (archive, _) = load_archive(std::path::Path::new(&root), None, false, today, &mut t);
    let archive = archive.unwrap();
    let r = casebook::dashboards::repeats::detect(&archive);
    for c in r.clusters.iter().take(3) {
        println!("CLUSTER size {}", c.incidents.len());
        for &i in c.incidents.iter().take(12) { let x = &archive.incidents[i]; println!("  {} | {} | {:?} {:?}", x.id, x.title, x.services, x.tags); }
    }
    let mut hist = [0usize; 10];
    for p in &r.pairs { hist[((p.similarity * 10.0) as usize).min(9)] += 1; }
    println!("hist {:?}", hist);
    for p in r.pairs.iter().step_by(700).take(10) {
        println!("PAIR {:.3} | {} | {}", p.similarity, archive.incidents[p.later].title, archive.incidents[p.earlier].title);
    }
}

#[test]
#[ignore]
fn chartperf() {
    let root = std::env::var("ROOT").unwrap();
    let today = jiff::civil::date(2025, 6, 1);
    let mut t = Vec::new();
    let (archive, _) = load_archive(std::path::Path::new(&root), None, false, today, &mut t);
    let archive = archive.unwrap();
    let r = casebook::dashboards::repeats::detect(&archive);
    let all: Vec<usize> = (0..archive.incidents.len()).collect();
    let m = casebook::dashboards::metrics::compute(&archive, &all, &r);
    let cpu = cpu_ms();
    let c = std::time::Instant::now();
    for _ in 0..200 { let _ = casebook::dashboards::metrics::charts(&m, "").unwrap(); }
    println!("200x8 charts {:?} cpu {}", c.elapsed(), cpu_ms() - cpu);
}
