//! Typed errors of the library.

use std::path::PathBuf;

/// Everything that can go wrong in gleaner's library.
///
/// Input problems that affect one document or one line (a malformed JSONL line, an unreadable
/// file) are reported per item by the [`Reader`](crate::Reader) and never stop a run; the
/// variants here that carry a path say which input was at fault.
///
/// [`Error::Io`] displays only its path and returns the I/O error as its
/// [`source`](std::error::Error::source), so that error reporters that print the whole chain
/// (anyhow's `{:#}`) show the cause once; print the chain to see it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input or output file could not be opened, read or written.
    #[error("{path}")]
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
    /// Two inputs map to the same file of a folder output (`x/a.txt` and `x/a.txt.gz`, or
    /// the same file twice): the later document is rejected rather than overwriting.
    #[error("{input}: output {output} was already written from {first}")]
    OutputCollision {
        /// The output file.
        output: PathBuf,
        /// The input that was written to it first.
        first: PathBuf,
        /// The input rejected (with `:LINE` for a JSONL document).
        input: String,
    },
    /// A dedup index file is corrupt, truncated, of another version or built with other
    /// parameters; it is refused rather than silently used.
    #[error("{path}: {message}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong with it.
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
            Error::OutputCollision { .. } => "output_collision",
            Error::Index { .. } => "index",
            Error::Config(_) => "config",
        }
    }

    /// Whether the error concerns only the document at hand: returned from a
    /// [`Pipeline::run`](crate::Pipeline::run) callback, it rejects that document and the run
    /// goes on.
    pub fn skips_document(&self) -> bool {
        matches!(self, Error::OutputCollision { .. })
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn io_error_shows_its_cause_once_in_the_chain() {
        let e = Error::io("out.txt", std::io::Error::other("disk full"));
        assert_eq!(e.to_string(), "out.txt");
        assert_eq!(e.source().unwrap().to_string(), "disk full");
    }
}
