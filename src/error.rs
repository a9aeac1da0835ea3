//! The library's one error type. Only the binary formats it; every variant reads as one line.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system error on a named file.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A value given by the user that cannot work; the binary exits with the usage code.
    #[error("{0}")]
    Usage(String),
    /// The corpus cannot be trained on (empty, nothing reaches min-count, looks binary).
    #[error("{0}")]
    Corpus(String),
    /// A model, vector, vocabulary or test file that is not what it claims to be.
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// Training diverged (NaN or infinite values).
    #[error("{0}")]
    Numeric(String),
    /// A word asked for is not in the vocabulary.
    #[error("'{0}' is not in the vocabulary")]
    UnknownWord(String),
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

    /// Whether the binary should exit with the usage code (2) rather than 1.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}
