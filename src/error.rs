//! The library's one error type. Variants carry what went wrong as data (which setting, which
//! file, which line); the binary decides how to word them for its users, e.g. which flag names
//! a [`Setting`]. Every variant displays as one line.

use std::fmt;
use std::path::{Path, PathBuf};

/// A training or query setting, named neutrally; the binary maps each to its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    Dim,
    Window,
    MinCount,
    MaxVocab,
    Sample,
    Alpha,
    /// The output layer's learning rate relative to the input rows'.
    OutputRate,
    Epochs,
    Threads,
    Seed,
    HierarchicalSoftmax,
    /// Which output layers train (hierarchical softmax, negative sampling or both).
    OutputLayer,
    /// The full softmax in particular (refused when it would take too long).
    FullSoftmax,
    Negative,
    NsExponent,
    Optimizer,
    /// RMSProp's decay.
    Rho,
    /// Adam's first- and second-moment decays.
    Beta1,
    Beta2,
    /// L2 weight decay.
    L2,
    Tree,
    Diagnostics,
    Restrict,
    TopK,
    Minn,
    Maxn,
    Buckets,
    /// The score a word pair must beat to become a phrase.
    PhraseThreshold,
}

impl Setting {
    /// A plain-words name for messages from the library itself.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Dim => "the vector dimension",
            Setting::Window => "the window",
            Setting::MinCount => "the minimum count",
            Setting::MaxVocab => "the vocabulary cap",
            Setting::Sample => "the subsampling threshold",
            Setting::Alpha => "the learning rate",
            Setting::OutputRate => "the output layer's learning rate",
            Setting::Epochs => "the number of epochs",
            Setting::Threads => "the number of threads",
            Setting::Seed => "the seed",
            Setting::HierarchicalSoftmax => "hierarchical softmax",
            Setting::OutputLayer => "the output layer",
            Setting::FullSoftmax => "the full softmax",
            Setting::Negative => "the number of negative samples",
            Setting::NsExponent => "the negative-sampling exponent",
            Setting::Optimizer => "the optimizer",
            Setting::Rho => "RMSProp's decay",
            Setting::Beta1 => "Adam's first-moment decay",
            Setting::Beta2 => "Adam's second-moment decay",
            Setting::L2 => "the L2 weight decay",
            Setting::Tree => "the tree",
            Setting::Diagnostics => "gradient diagnostics",
            Setting::Restrict => "the candidate restriction",
            Setting::TopK => "the number of results",
            Setting::Minn => "the shortest character n-gram",
            Setting::Maxn => "the longest character n-gram",
            Setting::Buckets => "the number of n-gram buckets",
            Setting::PhraseThreshold => "the phrase threshold",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system error on a named file (or `<stdin>` / `<stdout>`).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A setting whose value cannot work, alone or together with another setting.
    #[error("{setting} {reason}")]
    InvalidSetting {
        setting: Setting,
        /// Reads after the setting's name: "must be between 1 and 1000".
        reason: String,
    },
    /// The text holds no words at all.
    #[error("{inputs}: no words found (the input is empty or only whitespace)")]
    EmptyCorpus { inputs: String },
    /// Text with words, none of which is in the vocabulary it trains with (a model's or a
    /// vocabulary file's).
    #[error("{inputs}: none of its words is in the vocabulary; there is nothing to train on")]
    NoKnownWords { inputs: String },
    /// Fewer than two words are frequent enough to train on.
    #[error(
        "{distinct} distinct words, but {} reach the minimum count {min_count}; a model needs \
         at least 2 (lower the minimum count or use a larger corpus)",
        match kept { 0 => "none".to_string(), k => format!("only {k}") }
    )]
    TooFewWords {
        distinct: usize,
        kept: usize,
        min_count: u64,
    },
    /// An input that is not text to train on (a directory, a binary or compressed file).
    #[error("{input}: {problem}")]
    NotText { input: String, problem: String },
    /// A compressed input that stops early or is damaged: never read as a shorter corpus.
    #[error(
        "{input}: {format} stream {} after {bytes_out} bytes of text ({}{source})",
        if source.kind() == std::io::ErrorKind::UnexpectedEof { "ends early" } else { "is damaged" },
        if source.kind() == std::io::ErrorKind::UnexpectedEof { "truncated or damaged: " } else { "" }
    )]
    Decompress {
        input: String,
        format: &'static str,
        bytes_out: u64,
        #[source]
        source: std::io::Error,
    },
    /// A model, vector, vocabulary or test file that is not what it claims to be.
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
    /// A vector file that reads as both word2vec text and binary; the caller must say which.
    #[error("{}: could be word2vec text or binary; say which it is", path.display())]
    AmbiguousVectorFormat { path: PathBuf },
    /// One line of a line-oriented file that cannot be parsed.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        /// 1-based.
        line: u64,
        message: String,
    },
    /// The model cannot answer this kind of query (e.g. prediction without a tree).
    #[error("{0}")]
    Unsupported(String),
    /// Training diverged: the word vectors became NaN or infinite.
    #[error(
        "training diverged in epoch {epoch}: word vectors became NaN or infinite; the learning \
         rate ({alpha}) is probably too high"
    )]
    Diverged { epoch: u32, alpha: f32 },
    /// A chart could not be laid out or drawn.
    #[error("cannot draw the chart: {message}")]
    Chart { message: String },
    /// A word asked for is not in the vocabulary.
    #[error("'{word}' is not in the vocabulary")]
    UnknownWord { word: String },
    /// The corpus's temporary file (see [`crate::ids::CorpusStorage`]) in `dir` failed.
    #[error("{}: cannot {} the temporary file of the corpus's word ids: {source}",
        dir.display(), step.verb())]
    Spill {
        dir: PathBuf,
        step: SpillStep,
        #[source]
        source: std::io::Error,
    },
    /// A word outside the vocabulary of a model with character n-grams, none of whose
    /// n-grams has a row either: there is nothing to build its vector from.
    #[error("'{word}' is not in the vocabulary and none of its character n-grams is known")]
    NoKnownNgrams { word: String },
    /// A partial model that cannot go on with this corpus or these settings.
    #[error("cannot resume: {reason}")]
    CannotResume { reason: String },
}

/// What was being done with the corpus's temporary file when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpillStep {
    Create,
    Write,
    /// Reading it back while training: an I/O error, or a file that does not decode.
    Read,
}

impl SpillStep {
    fn verb(self) -> &'static str {
        match self {
            SpillStep::Create => "create",
            SpillStep::Write => "write",
            SpillStep::Read => "read back",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn format(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }

    pub fn parse(path: impl AsRef<Path>, line: u64, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.as_ref().to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn setting(setting: Setting, reason: impl Into<String>) -> Self {
        Error::InvalidSetting {
            setting,
            reason: reason.into(),
        }
    }

    pub(crate) fn spill(dir: &Path, step: SpillStep, source: std::io::Error) -> Self {
        Error::Spill {
            dir: dir.to_path_buf(),
            step,
            source,
        }
    }

    pub fn unknown_word(word: impl Into<String>) -> Self {
        Error::UnknownWord { word: word.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_is_one_line() {
        let errors = [
            Error::io("a.txt", std::io::Error::other("boom")),
            Error::setting(Setting::Dim, "must be between 1 and 100000"),
            Error::EmptyCorpus {
                inputs: "a.txt".into(),
            },
            Error::NoKnownWords {
                inputs: "a.txt".into(),
            },
            Error::TooFewWords {
                distinct: 3,
                kept: 1,
                min_count: 5,
            },
            Error::parse("q.txt", 7, "expected 4 words, found 3"),
            Error::Diverged {
                epoch: 2,
                alpha: 1e6,
            },
            Error::unknown_word("horse"),
            Error::NoKnownNgrams { word: "zzz".into() },
        ];
        for e in &errors {
            let s = e.to_string();
            assert!(!s.contains('\n') && !s.is_empty(), "{s:?}");
        }
        assert_eq!(errors[5].to_string(), "q.txt:7: expected 4 words, found 3");
        assert!(errors[4]
            .to_string()
            .contains("only 1 reach the minimum count 5"));
    }
}
