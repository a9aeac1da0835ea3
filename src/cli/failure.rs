//! How a failed command reads: one line on stderr that names the flag to change, and an exit
//! code (1 for a failure, 2 for a usage error, 130 after Ctrl-C).

use std::process::ExitCode;

use w2v::error::{Setting, SpillStep};
use w2v::Error;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The command line cannot work; the message names the flag.
    Usage(String),
    /// The library failed.
    Library(Error),
    /// Some of the work failed after its problems were warned about one by one; the message
    /// sums them up (exit 1).
    Failed(String),
    /// Stopped by Ctrl-C after saying so on stderr.
    Interrupted,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Library(e)
    }
}

impl Failure {
    /// Prints the one-line message and gives the exit code.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Usage(message) => {
                eprintln!("w2v: error: {message}");
                ExitCode::from(2)
            }
            Failure::Library(Error::InvalidSetting { setting, reason }) => {
                let hint = hint(setting).map_or(String::new(), |h| format!(" ({h})"));
                eprintln!("w2v: error: {} {reason}{hint}", flag(setting));
                ExitCode::from(2)
            }
            Failure::Library(e) => {
                eprintln!("w2v: error: {}", wording(&e));
                ExitCode::from(1)
            }
            Failure::Failed(message) => {
                eprintln!("w2v: error: {message}");
                ExitCode::from(1)
            }
            Failure::Interrupted => ExitCode::from(130),
        }
    }
}

/// The library's message, with setting names replaced by the flags that set them.
fn wording(e: &Error) -> String {
    match e {
        Error::TooFewWords {
            distinct,
            kept,
            min_count,
        } => format!(
            "{distinct} distinct words, but {} reach --min-count {min_count}; a model needs at \
             least 2 (lower --min-count or use a larger corpus)",
            match kept {
                0 => "none".to_string(),
                k => format!("only {k}"),
            }
        ),
        Error::Diverged { epoch, alpha } => format!(
            "training diverged in epoch {epoch}: word vectors became NaN or infinite; the \
             learning rate (--alpha {alpha}) is probably too high"
        ),
        Error::AmbiguousVectorFormat { path } => format!(
            "{}: could be word2vec text or binary; pass --input-format text or --input-format \
             binary",
            path.display()
        ),
        Error::Spill {
            step: SpillStep::Create | SpillStep::Write,
            ..
        } => format!("{e} (choose another folder with --tmp-dir, or --spill never)"),
        e => e.to_string(),
    }
}

/// The flag that sets a library setting.
pub fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Dim => "--dim",
        Setting::Window => "--window",
        Setting::MinCount => "--min-count",
        Setting::MaxVocab => "--max-vocab",
        Setting::Sample => "--sample",
        Setting::Alpha => "--alpha",
        Setting::OutputRate => "--output-rate",
        Setting::Epochs => "--epochs",
        Setting::Threads => "--threads",
        Setting::Seed => "--seed",
        Setting::HierarchicalSoftmax => "--hs",
        Setting::OutputLayer => "--loss",
        Setting::FullSoftmax => "--loss softmax",
        Setting::Negative => "--negative",
        Setting::NsExponent => "--ns-exponent",
        Setting::Optimizer => "--optimizer",
        Setting::Rho => "--rho",
        Setting::Beta1 => "--beta1",
        Setting::Beta2 => "--beta2",
        Setting::L2 => "--l2",
        Setting::Tree => "--tree",
        Setting::Diagnostics => "--diagnostics",
        Setting::Restrict => "--restrict",
        Setting::TopK => "-k",
        Setting::Minn => "--minn",
        Setting::Maxn => "--maxn",
        Setting::Buckets => "--buckets",
        Setting::PhraseThreshold => "--threshold",
        _ => "an option",
    }
}

/// What to write instead, where the flag alone does not say it.
fn hint(setting: Setting) -> Option<&'static str> {
    match setting {
        Setting::OutputLayer => Some(
            "use --loss hs, --loss ns, --loss hs+ns, --loss softmax, --loss sampled-softmax, \
             or --negative K",
        ),
        _ => None,
    }
}

/// clap's message without its usage block, on one line.
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        + " (see --help)"
}
