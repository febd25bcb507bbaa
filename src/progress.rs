//! Progress for long operations (a PKCS#12 key derivation, the steps of a
//! `run`, loading token modules in a probe): a spinner or a bar on stderr,
//! on a terminal only.
//!
//! Off unless `main` calls [`enable`] (so library callers and tests never
//! see it), and even then only when stderr is a terminal and `TERM` is not
//! `dumb`. A spinner appears only after [`DELAY`], so fast operations never
//! flash one. Only one line shows at a time: progress started while another
//! shows changes that line's message and restores it when dropped.
//! Prompts call [`suspend`] so a question is never drawn over.
//!
//! This module must not print anything else: results go through `main`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long an operation runs before its progress appears.
pub const DELAY: Duration = Duration::from_millis(300);

static ENABLED: AtomicBool = AtomicBool::new(false);

/// The line on screen now, if any.
static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Allows progress for the rest of the process when `wanted` and stderr is
/// a terminal (main: not for machine-readable output).
pub fn enable(wanted: bool) {
    let terminal = std::io::stderr().is_terminal() && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true);
    ENABLED.store(wanted && terminal, Ordering::Relaxed);
}

fn current() -> std::sync::MutexGuard<'static, Option<ProgressBar>> {
    CURRENT.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running progress line; it goes away when dropped.
pub struct Progress {
    kind: Kind,
}

enum Kind {
    Off,
    /// Owns the line: the bar and the thread that shows it after DELAY.
    Own {
        bar: ProgressBar,
        stop: mpsc::Sender<()>,
        shower: Option<JoinHandle<()>>,
    },
    /// Another progress owns the line: its message to put back.
    Nested {
        bar: ProgressBar,
        previous: String,
    },
}

/// A spinner with a message, for work without a known total.
pub fn spinner(message: impl Into<String>) -> Progress {
    start(None, message.into())
}

/// A bar of `len` units (e.g. the steps of a run) with a message.
pub fn bar(len: u64, message: impl Into<String>) -> Progress {
    start(Some(len), message.into())
}

fn start(len: Option<u64>, message: String) -> Progress {
    if !ENABLED.load(Ordering::Relaxed) {
        return Progress { kind: Kind::Off };
    }
    let mut slot = current();
    if let Some(bar) = slot.as_ref() {
        let previous = bar.message();
        bar.set_message(message);
        return Progress { kind: Kind::Nested { bar: bar.clone(), previous } };
    }
    let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden());
    let template =
        if len.is_some() { "{spinner} [{pos}/{len}] {wide_msg}" } else { "{spinner} {wide_msg} ({elapsed})" };
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()));
    bar.set_message(message);
    let (stop, stopped) = mpsc::channel::<()>();
    let delay = delay();
    let shower = if delay.is_zero() {
        show(&bar);
        None
    } else {
        let shown = bar.clone();
        Some(std::thread::spawn(move || {
            if stopped.recv_timeout(delay) == Err(mpsc::RecvTimeoutError::Timeout) {
                show(&shown);
            }
        }))
    };
    *slot = Some(bar.clone());
    Progress { kind: Kind::Own { bar, stop, shower } }
}

fn show(bar: &ProgressBar) {
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.tick();
}

/// [`DELAY`], or `CERTHELP_PROGRESS_DELAY_MS` (the terminal test sets 0 so
/// that what it checks does not depend on how fast the machine is).
fn delay() -> Duration {
    std::env::var("CERTHELP_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(DELAY)
}

impl Progress {
    /// Says what is being done now.
    pub fn set_message(&self, message: impl Into<String>) {
        match &self.kind {
            Kind::Own { bar, .. } | Kind::Nested { bar, .. } => bar.set_message(message.into()),
            Kind::Off => {}
        }
    }

    /// Moves a bar to `pos` units done.
    pub fn set_position(&self, pos: u64) {
        if let Kind::Own { bar, .. } = &self.kind {
            bar.set_position(pos);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        match &mut self.kind {
            Kind::Off => {}
            Kind::Nested { bar, previous } => bar.set_message(std::mem::take(previous)),
            Kind::Own { bar, stop, shower } => {
                let _ = stop.send(());
                if let Some(t) = shower.take() {
                    let _ = t.join();
                }
                bar.finish_and_clear();
                *current() = None;
            }
        }
    }
}

/// Runs `f` (a prompt) with the progress line hidden, then shows it again.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let bar = current().clone();
    match bar {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_unless_enabled() {
        // Tests never run with ENABLED set: everything is a no-op.
        let p = spinner("deriving");
        p.set_message("still deriving");
        assert!(matches!(p.kind, Kind::Off));
        assert_eq!(suspend(|| 7), 7);
        drop(p);
        assert!(current().is_none());
    }
}
