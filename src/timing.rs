//! Phase timings on stderr for the benches (`benches/*.sh`) and for `-v`,
//! silent unless the named environment variable is set or `-v` was given
//! (then each phase is a verbose line). Timings only: no figures go into
//! any output a user or a test reads.

use std::time::Instant;

pub struct Phases {
    on: bool,
    tag: &'static str,
    last: Instant,
}

impl Phases {
    /// On when `var` is set (`CERTHELP_PROBE_TIMINGS` for the probe,
    /// `CERTHELP_TIMINGS` for the verbs) or with `-v`.
    pub fn new(var: &str, tag: &'static str) -> Phases {
        Phases { on: std::env::var_os(var).is_some() || crate::verbose::enabled(), tag, last: Instant::now() }
    }

    /// Print the time since the last lap under `phase`.
    pub fn lap(&mut self, phase: &str) {
        if self.on {
            let now = Instant::now();
            let ms = (now - self.last).as_secs_f64() * 1000.0;
            if crate::verbose::enabled() {
                crate::verbose!("{} phase {phase}: {ms:.2} ms", self.tag);
            } else {
                eprintln!("{}-timing {phase}: {ms:.2} ms", self.tag);
            }
            self.last = now;
        }
    }
}
