//! Stage timings on stderr when `MESHWARD_TIMINGS` is set, for finding where a big tree's
//! build spends its time without a profiler (docs/performance.md). Off by default: a
//! build's output must not depend on the clock.

use std::time::Instant;

pub struct Stopwatch {
    on: bool,
    last: Instant,
    /// Process CPU time (user + system) at the previous lap, in ms.
    cpu: f64,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        let on = std::env::var_os("MESHWARD_TIMINGS").is_some();
        Stopwatch {
            on,
            last: Instant::now(),
            cpu: if on { cpu_ms() } else { 0.0 },
        }
    }

    /// Report the time since the previous lap as STAGE's, and start the next lap. CPU
    /// time beside wall time shows how well a stage uses the cores: on two cores a fully
    /// parallel stage has about twice as much CPU as wall time.
    pub fn lap(&mut self, stage: &str) {
        if self.on {
            let ms = self.last.elapsed().as_secs_f64() * 1000.0;
            let cpu = cpu_ms();
            let memory = resident().map_or(String::new(), |(now, peak)| {
                format!("  rss {:>5} MB  peak {:>5} MB", now / 1024, peak / 1024)
            });
            eprintln!(
                "meshward: timing {stage:<12} {ms:>8.1} ms  cpu {:>7.1} ms{memory}",
                cpu - self.cpu
            );
            self.cpu = cpu;
        }
        self.last = Instant::now();
    }
}

/// User plus system CPU time of the whole process so far, in ms (0 where unknown).
fn cpu_ms() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    ms(usage.ru_utime) + ms(usage.ru_stime)
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
