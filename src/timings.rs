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
            eprintln!("meshward: timing {stage:<12} {ms:>8.1} ms");
        }
        self.last = Instant::now();
    }
}
