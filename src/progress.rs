//! Terminal progress for long work: indicatif bars on stderr, hidden when stderr is not a
//! terminal or the user asked for quiet.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::train::{EpochReport, Observer, Progress};

pub fn visible(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

fn bar(len: u64, visible: bool, template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len),
        if visible {
            ProgressDrawTarget::stderr_with_hz(4)
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// A byte-count bar for reading the corpus (length 0 when unknown, e.g. stdin).
pub fn reading_bar(total_bytes: u64, visible: bool) -> ProgressBar {
    bar(
        total_bytes,
        visible,
        "reading  [{bar:30}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
    )
}

/// Shows training progress; prints each epoch's loss above the bar unless quiet.
pub struct TrainingBar {
    bar: ProgressBar,
    print_epochs: bool,
}

impl TrainingBar {
    pub fn new(total_words: u64, visible: bool, print_epochs: bool) -> Self {
        TrainingBar {
            bar: bar(
                total_words,
                visible,
                "training [{bar:30}] {percent:>3}% {msg} ETA {eta}",
            ),
            print_epochs,
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for TrainingBar {
    fn progress(&self, p: &Progress) {
        self.bar.set_position(p.words_done);
        let rate = self.bar.per_sec();
        self.bar.set_message(format!(
            "epoch {} {:.0}k words/s alpha {:.6} loss {:.4}",
            p.epoch,
            rate / 1e3,
            p.alpha,
            p.loss
        ));
    }

    fn epoch_done(&self, e: &EpochReport) {
        if self.print_epochs {
            self.bar.suspend(|| {
                eprintln!(
                    "epoch {}: loss {:.4}, alpha {:.6}, {:.1} s",
                    e.epoch, e.loss, e.alpha, e.seconds
                )
            });
        }
    }
}

/// Peak resident memory of this process so far (Linux; None elsewhere), for summaries.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
