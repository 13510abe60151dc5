//! What the benchmarks share: memory, CPU time and sizes of this process
//! and its files (Linux /proc).
#![allow(dead_code)]

use std::path::Path;

/// Peak resident memory of this process (KiB), from /proc/self/status.
pub fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|n| n.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

/// User + system CPU seconds of this process, from /proc/self/stat.
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            // Fields 14 and 15 of stat(5); `rest` starts at field 3.
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

/// Bytes of every file below `p`.
pub fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let m = e.metadata().unwrap();
                    if m.is_dir() {
                        dir_size(&e.path())
                    } else {
                        m.len()
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The benchmark's arguments, without the `--bench` cargo adds.
pub fn args() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect()
}

/// In a phase's own process (`--phase NAME MEMBERS WORKDIR`, started by
/// [`run_phase`]): run `phase` and write what it answers to
/// `WORKDIR/NAME.json`. Answers whether this process was one.
pub fn run_if_phase(
    args: &[String],
    phase: impl FnOnce(&str, u64, &Path) -> serde_json::Value,
) -> bool {
    if args.first().map(String::as_str) != Some("--phase") {
        return false;
    }
    let (name, members, work) = (&args[1], args[2].parse().unwrap(), Path::new(&args[3]));
    let v = phase(name, members, work);
    std::fs::write(work.join(format!("{name}.json")), v.to_string()).unwrap();
    true
}

/// Run one phase in a child process of this benchmark (so its peak memory
/// and CPU time are its own) and answer what it wrote.
pub fn run_phase(name: &str, members: u64, work: &Path) -> serde_json::Value {
    eprintln!("phase {name} …");
    let me = std::env::current_exe().unwrap();
    let st = std::process::Command::new(&me)
        .args([
            "--phase",
            name,
            &members.to_string(),
            work.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success(), "phase {name} failed");
    serde_json::from_str(&std::fs::read_to_string(work.join(format!("{name}.json"))).unwrap())
        .unwrap()
}
