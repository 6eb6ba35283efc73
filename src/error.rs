//! Error types at module boundaries. Each carries what went wrong and where (file, rule).
//! NOTE: a problem with one input (file, blob) is not an error type: the scanner reports it as
//! one line and counts it (`Scanner::error`), and the scan goes on.

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
