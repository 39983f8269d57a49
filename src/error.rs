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
    /// A file looks binary (NUL bytes or mostly control bytes in its first 8 KiB): it was
    /// not read as a page.
    #[error("{path}: binary file ({why}), skipped")]
    Binary {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        why: String,
    },
    /// A text page or a JSONL line is larger than the document size limit; it was skipped
    /// without being held in memory.
    #[error("{}: larger than the {limit}-byte document limit, skipped", location(path, *line))]
    TooLarge {
        /// The input file.
        path: PathBuf,
        /// The 1-based JSONL line, or `None` for a text page.
        line: Option<u64>,
        /// The limit in bytes.
        limit: u64,
    },
    /// A compressed stream ended early or was corrupt. What was read before is kept: for a
    /// text page the document is kept with the text read (and this is a warning); for JSONL
    /// the complete lines are kept and the broken tail, at `line`, is rejected.
    #[error("{}: stream truncated or corrupt, {what}", location(path, *line))]
    Truncated {
        /// The input file.
        path: PathBuf,
        /// The JSONL line the stream broke in, or `None` for a text page.
        line: Option<u64>,
        /// What was kept.
        what: &'static str,
        /// The decoder's error.
        source: std::io::Error,
    },
    /// A file's size or modification time changed while it was read: its documents were
    /// used as read, but they may mix old and new content. A warning.
    #[error("{path}: file changed while being read")]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// An empty file (or one holding only whitespace): written as an empty document. A
    /// warning.
    #[error("{path}: empty file")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A folder walk met a symbolic link leading back to a folder above it; that link was not
    /// followed.
    #[error("{path}: symbolic link loop (leads back to {ancestor}), not followed")]
    SymlinkLoop {
        /// The link.
        path: PathBuf,
        /// The folder it leads back to.
        ancestor: PathBuf,
    },
    /// A WARC response's HTTP payload could not be decoded (broken chunked framing, a
    /// corrupt or unsupported `Content-Encoding`): the record was skipped.
    #[error("{path}: record {record}: {message}, skipped")]
    Payload {
        /// The WARC file.
        path: PathBuf,
        /// The record's target URI, or its record id.
        record: String,
        /// What could not be decoded.
        message: String,
    },
    /// Cleaning a document panicked: a bug in gleaner, not in the input. The document was
    /// skipped and the run went on.
    #[error(
        "{}: internal error while cleaning this document ({message}), skipped; please report it",
        location(path, *line)
    )]
    Internal {
        /// The input file.
        path: PathBuf,
        /// The 1-based JSONL line of the document, when it has one.
        line: Option<u64>,
        /// The panic's message.
        message: String,
    },
    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// `path` or `path:line`.
fn location(path: &std::path::Path, line: Option<u64>) -> String {
    match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
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
            Error::Binary { .. } => "binary",
            Error::TooLarge { .. } => "too_large",
            Error::Truncated { .. } => "truncated",
            Error::Changed { .. } => "changed_while_read",
            Error::Empty { .. } => "empty",
            Error::SymlinkLoop { .. } => "symlink_loop",
            Error::Payload { .. } => "bad_payload",
            Error::Internal { .. } => "internal_error",
            Error::Config(_) => "config",
        }
    }

    /// Whether this is a warning about a document that was still read (a text page cut short
    /// by a truncated stream, a file that changed while read, an empty file) rather than an
    /// input that was rejected. The [`Reader`](crate::Reader) yields a warning right after
    /// the document it concerns (or, for JSONL, after the file's last document); the
    /// [`Pipeline`](crate::Pipeline) counts it in [`Stats::warnings`](crate::Stats::warnings),
    /// not as a rejected input.
    pub fn is_warning(&self) -> bool {
        match self {
            Error::Truncated { line, .. } => line.is_none(),
            Error::Changed { .. } | Error::Empty { .. } => true,
            _ => false,
        }
    }

    /// The input file an error concerns, with its 1-based JSONL line when known.
    pub fn location(&self) -> Option<(&std::path::Path, Option<u64>)> {
        match self {
            Error::Io { path, .. }
            | Error::Binary { path, .. }
            | Error::Changed { path }
            | Error::Empty { path }
            | Error::SymlinkLoop { path, .. }
            | Error::Payload { path, .. } => Some((path, None)),
            Error::Json { path, line, .. } => Some((path, Some(*line))),
            Error::TooLarge { path, line, .. }
            | Error::Truncated { path, line, .. }
            | Error::Internal { path, line, .. } => Some((path, *line)),
            Error::Index { path, .. } => Some((path, None)),
            Error::OutputCollision { .. } | Error::Config(_) => None,
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
