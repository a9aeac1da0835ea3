//! Progress on stderr for long work: indicatif bars on a terminal, hidden with `--quiet`; on a
//! non-terminal stderr (a log file), a plain line about every tenth of an epoch, so logs of
//! long runs are not silent for an hour.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use w2v::train::{EpochReport, Observer, Progress};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// Nothing but errors and warnings.
    Quiet,
    /// Bars redrawn in place.
    Terminal,
    /// Plain lines now and then.
    Log,
}

impl Display {
    pub fn new(quiet: bool) -> Display {
        if quiet {
            Display::Quiet
        } else if std::io::stderr().is_terminal() {
            Display::Terminal
        } else {
            Display::Log
        }
    }
}

fn bar(len: Option<u64>, display: Display, template: &str) -> ProgressBar {
    let target = if display == Display::Terminal {
        ProgressDrawTarget::stderr_with_hz(4)
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(len, target);
    bar.set_style(
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// Bytes read while counting words: a bar when the total is known, else (stdin) the bytes
/// read so far and the rate.
pub fn reading_bar(total_bytes: Option<u64>, display: Display) -> ProgressBar {
    match total_bytes {
        Some(total) => bar(
            Some(total),
            display,
            "reading  [{bar:30}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ),
        None => bar(
            None,
            display,
            "reading  {spinner} {bytes} read, {bytes_per_sec}",
        ),
    }
}

/// Shows training progress; prints each epoch's loss unless quiet.
pub struct TrainingBar {
    bar: ProgressBar,
    display: Display,
    epochs: u32,
    words_per_epoch: u64,
    /// For log lines: when training started, and the last tenth of an epoch printed.
    log: Mutex<(Instant, u64)>,
}

impl TrainingBar {
    pub fn new(total_words: u64, epochs: u32, display: Display) -> Self {
        TrainingBar {
            bar: bar(
                Some(total_words),
                display,
                "training [{bar:30}] {percent:>3}% {msg} ETA {eta}",
            ),
            display,
            epochs,
            words_per_epoch: (total_words / epochs.max(1) as u64).max(1),
            log: Mutex::new((Instant::now(), 0)),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for TrainingBar {
    fn progress(&self, p: &Progress) {
        match self.display {
            Display::Quiet => {}
            Display::Terminal => {
                self.bar.set_position(p.words_done);
                let rate = self.bar.per_sec();
                self.bar.set_message(format!(
                    "epoch {}/{} {:.0}k words/s alpha {:.6} loss {:.4}",
                    p.epoch,
                    self.epochs,
                    rate / 1e3,
                    p.alpha,
                    p.loss
                ));
            }
            Display::Log => {
                let tenth = p.words_done * 10 / self.words_per_epoch;
                let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
                // The tenth that ends an epoch is the epoch's own line.
                if tenth > log.1 && !tenth.is_multiple_of(10) {
                    log.1 = tenth;
                    let seconds = log.0.elapsed().as_secs_f64();
                    let in_epoch = p
                        .words_done
                        .saturating_sub((p.epoch as u64 - 1) * self.words_per_epoch);
                    eprintln!(
                        "epoch {}/{}: {:>3}%, {:.0}k words/s, alpha {:.6}, loss {:.4}",
                        p.epoch,
                        self.epochs,
                        (in_epoch * 100 / self.words_per_epoch).min(100),
                        p.words_done as f64 / seconds.max(1e-9) / 1e3,
                        p.alpha,
                        p.loss
                    );
                }
            }
        }
    }

    fn epoch_done(&self, e: &EpochReport) {
        if self.display != Display::Quiet {
            self.bar.suspend(|| {
                eprintln!(
                    "epoch {}/{}: loss {:.4}, alpha {:.6}, {:.1} s",
                    e.epoch, self.epochs, e.loss, e.alpha, e.seconds
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
