//! Progress of long work, behind a small trait so the library prints nothing unless asked.
//!
//! The command line shows an indicatif bar on stderr when it is a terminal and `--json` is off;
//! programs pass their own [`Progress`] or none ([`Silent`]).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Receives progress of long work. Every method has a do-nothing default.
pub trait Progress: Send + Sync {
    /// A new phase of `total` units (bytes); 0 when the size is unknown.
    fn start(&self, _label: &str, _total: u64) {}
    /// `n` more units done.
    fn advance(&self, _n: u64) {}
    /// What is happening now (a build step, say).
    fn message(&self, _message: &str) {}
    /// The phase is over.
    fn finish(&self) {}
    /// A line to keep above the bar (a stack event, a notice).
    fn line(&self, _line: &str) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar on stderr (hidden when stderr is not a terminal).
    pub fn stderr() -> Bar {
        let target =
            if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        Bar { bar: ProgressBar::with_draw_target(None, target) }
    }
}

impl Progress for Bar {
    fn start(&self, label: &str, total: u64) {
        self.bar.reset();
        if total == 0 {
            self.bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
            self.bar.enable_steady_tick(std::time::Duration::from_millis(120));
        } else {
            self.bar.disable_steady_tick();
            self.bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            self.bar.set_length(total);
        }
        self.bar.set_message(label.to_owned());
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    fn message(&self, message: &str) {
        self.bar.set_message(message.to_owned());
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn line(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }
}
