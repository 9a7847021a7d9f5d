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

/// The machine's CPU time by kind, in clock ticks, from the first line of `/proc/stat`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MachineCpu {
    /// `user` + `nice`.
    pub user: u64,
    /// `system` + `irq` + `softirq`.
    pub system: u64,
    /// `idle` + `iowait`.
    pub idle: u64,
}

impl MachineCpu {
    /// Now.
    pub fn now() -> Self {
        let line = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let n: Vec<u64> = line
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        let at = |i: usize| n.get(i).copied().unwrap_or(0);
        Self {
            user: at(0) + at(1),
            system: at(2) + at(5) + at(6),
            idle: at(3) + at(4),
        }
    }

    /// `(user, system, idle)` shares of the machine between `self` and `later`, in percent.
    pub fn shares_until(self, later: Self) -> (f64, f64, f64) {
        let user = later.user.saturating_sub(self.user) as f64;
        let system = later.system.saturating_sub(self.system) as f64;
        let idle = later.idle.saturating_sub(self.idle) as f64;
        let total = (user + system + idle).max(1.0);
        (
            100.0 * user / total,
            100.0 * system / total,
            100.0 * idle / total,
        )
    }
}

/// CPU seconds of every process of this machine named `postgres` (the server's backends and
/// helpers), by pid, so that a run can count what the database server spent on it.
pub fn postgres_cpu() -> std::collections::HashMap<u32, f64> {
    let mut by_pid = std::collections::HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return by_pid;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let is_postgres = proc_file(Some(pid), "comm").is_some_and(|c| c.trim() == "postgres");
        if is_postgres {
            by_pid.insert(pid, cpu_secs(Some(pid)));
        }
    }
    by_pid
}

/// CPU seconds the `postgres` processes spent between two [`postgres_cpu`] readings
/// (processes that started in between count from zero; ones that ended are missing).
pub fn postgres_cpu_between(
    before: &std::collections::HashMap<u32, f64>,
    after: &std::collections::HashMap<u32, f64>,
) -> f64 {
    after
        .iter()
        .map(|(pid, end)| end - before.get(pid).copied().unwrap_or(0.0))
        .sum()
}
