//! Error types at module boundaries. Each carries what went wrong and where (file, rule, object).

use std::path::PathBuf;

/// A rule file could not be loaded or compiled.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("{file}: cannot read rule file: {source}")]
    Read {
        /// The rule file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or not of the rule schema.
    #[error("{file}: {message}")]
    Parse {
        /// The rule file.
        file: String,
        /// What is wrong, with the TOML position where known.
        message: String,
    },
    /// One rule is invalid (unknown field, bad regex, missing `secret` group...).
    #[error("{file}: rule '{rule}': {message}")]
    Invalid {
        /// The rule file.
        file: String,
        /// The rule id.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

/// A problem with one input (file, blob, stream). Reported and counted; the scan goes on.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// An I/O error reading a file.
    #[error("{path}: {source}")]
    Io {
        /// The path as the user would recognise it.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A walk error from the directory walker (permission denied, symlink loop...).
    #[error("{0}")]
    Walk(String),
    /// A git object or reference could not be read.
    #[error("{what}: {message}")]
    Git {
        /// The object id, ref or path.
        what: String,
        /// The git error message.
        message: String,
    },
}
