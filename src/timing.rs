//! Phase timings on stderr for the benches (`benches/*.sh`), silent unless
//! the named environment variable is set. Timings only: no figures go into
//! any output a user or a test reads.

use std::time::Instant;

pub struct Phases {
    on: bool,
    tag: &'static str,
    last: Instant,
}

impl Phases {
    /// On when `var` is set: `CERTHELP_PROBE_TIMINGS` for the probe,
    /// `CERTHELP_TIMINGS` for the verbs.
    pub fn new(var: &str, tag: &'static str) -> Phases {
        Phases { on: std::env::var_os(var).is_some(), tag, last: Instant::now() }
    }

    /// Print the time since the last lap under `phase`.
    pub fn lap(&mut self, phase: &str) {
        if self.on {
            let now = Instant::now();
            eprintln!("{}-timing {phase}: {:.2} ms", self.tag, (now - self.last).as_secs_f64() * 1000.0);
            self.last = now;
        }
    }
}
