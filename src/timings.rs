//! How long each step of a build took, for `--verbose`.

use std::time::{Duration, Instant};

/// Steps and their durations, in the order they ran.
pub type Timings = Vec<(&'static str, Duration)>;

/// A stopwatch that records one lap per step.
pub struct Stopwatch(Instant);

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch(Instant::now())
    }

    /// Records the time since the last lap (or the start) under `step`,
    /// and starts timing the next one.
    pub fn lap(&mut self, step: &'static str, timings: &mut Timings) {
        timings.push((step, self.0.elapsed()));
        self.0 = Instant::now();
    }
}
