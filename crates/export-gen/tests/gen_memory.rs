//! Generation streams: 50,000 members in bounded memory.

mod gen_common;

use gen_common::*;

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn fifty_thousand_members_in_bounded_memory() {
    let Some(before) = vm_hwm_kib() else {
        eprintln!("no /proc/self/status; skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(50_000, 1);
    o.gzip = true;
    let s = gen(&o, &dir.path().join("x"));
    let after = vm_hwm_kib().unwrap();
    let members = s
        .rows
        .iter()
        .find(|r| r.0 == export_format::Entity::Members)
        .unwrap()
        .1;
    assert_eq!(members, 50_000);
    let rows: u64 = s.rows.iter().map(|r| r.1).sum();
    assert!(rows > 700_000, "{rows}");
    let growth_mib = after.saturating_sub(before) / 1024;
    assert!(growth_mib < 48, "peak RSS grew by {growth_mib} MiB");
}

/// Timing for the sync benchmark: `cargo test --release -p privacy-desk-export-gen
/// --test gen_memory -- --ignored --nocapture` (writes ~5 GB to a temporary
/// directory, then removes it).
#[test]
#[ignore]
fn one_million_members_timing() {
    let dir = tempfile::tempdir_in(std::env::var("GEN_BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .unwrap();
    let mut o = opts(1_000_000, 1);
    o.gzip = std::env::var("GEN_BENCH_GZIP").is_ok();
    let t = std::time::Instant::now();
    let s = gen(&o, &dir.path().join("x"));
    eprintln!(
        "1M members: {:?}, {} bytes, peak RSS {} KiB",
        t.elapsed(),
        s.bytes,
        vm_hwm_kib().unwrap_or(0)
    );
    for (e, n) in &s.rows {
        eprintln!("  {e}: {n}");
    }
    eprintln!("  total rows: {}", s.rows.iter().map(|r| r.1).sum::<u64>());
}
