//! Typed errors of the library.

use std::path::PathBuf;

/// Everything that can go wrong in gleaner's library.
///
/// Input problems that affect one document or one line (a malformed JSONL line, an unreadable
/// file) are reported per item by the [`Reader`](crate::Reader) and never stop a run; the
/// variants here that carry a path say which input was at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input or output file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault (`-` for stdin/stdout).
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A JSONL line could not be used as a document.
    #[error("{path}:{line}: {message}")]
    Json {
        /// The JSONL file.
        path: PathBuf,
        /// The 1-based line number.
        line: u64,
        /// What is wrong with that line.
        message: String,
    },
    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A short, stable name for the kind of error, used in the run summary.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Json { .. } => "malformed_jsonl",
            Error::Config(_) => "config",
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
