//! Stage timings on stderr when `MESHWARD_TIMINGS` is set, for finding where a big tree's
//! build spends its time without a profiler (docs/performance.md). Off by default: a
//! build's output must not depend on the clock.

use std::time::Instant;

pub struct Stopwatch {
    on: bool,
    last: Instant,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch {
            on: std::env::var_os("MESHWARD_TIMINGS").is_some(),
            last: Instant::now(),
        }
    }

    /// Report the time since the previous lap as STAGE's, and start the next lap.
    pub fn lap(&mut self, stage: &str) {
        if self.on {
            let ms = self.last.elapsed().as_secs_f64() * 1000.0;
            let memory = resident().map_or(String::new(), |(now, peak)| {
                format!("  rss {:>5} MB  peak {:>5} MB", now / 1024, peak / 1024)
            });
            eprintln!("meshward: timing {stage:<12} {ms:>8.1} ms{memory}");
        }
        self.last = Instant::now();
    }
}

/// Resident and peak resident memory in KiB, where `/proc` tells (Linux).
fn resident() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
