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
        println!("{s:.3} title={t:.3} body={body:.3} shared={shared} | {} | {}", archive.incidents[*a].id, archive.incidents[*b].id);
    }
    let r = casebook::dashboards::repeats::detect(&archive);
    for c in &r.clusters { println!("CLUSTER {:?}", c.incidents.iter().map(|&i| archive.incidents[i].id.as_str()).collect::<Vec<_>>()); }
}
