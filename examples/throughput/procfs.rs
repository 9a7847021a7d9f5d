//! What `/proc` says about a process (this one or a child) and about the machine.

/// Memory and CPU of one process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcStats {
    /// Peak resident set (`VmHWM`), kB.
    pub peak_rss_kb: u64,
    /// Resident set now (`VmRSS`), kB.
    pub rss_kb: u64,
    /// User + system CPU seconds so far.
    pub cpu_secs: f64,
}

impl ProcStats {
    /// `None` = this process.
    pub fn of(pid: Option<u32>) -> Self {
        Self {
            peak_rss_kb: status_kb(pid, "VmHWM:"),
            rss_kb: status_kb(pid, "VmRSS:"),
            cpu_secs: cpu_secs(pid),
        }
    }
}

fn proc_file(pid: Option<u32>, file: &str) -> Option<String> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/{file}"),
        None => format!("/proc/self/{file}"),
    };
    std::fs::read_to_string(path).ok()
}

/// A `kB` line of `/proc/<pid>/status` (0 where unavailable).
pub fn status_kb(pid: Option<u32>, field: &str) -> u64 {
    proc_file(pid, "status")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU seconds of a process (assumes 100 clock ticks per second).
pub fn cpu_secs(pid: Option<u32>) -> f64 {
    proc_file(pid, "stat")
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
