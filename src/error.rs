//! The one error type the command line shows: a cause and a hint.
//!
//! Every failure a user can meet ends as one `error: ...` line and one
//! `hint: ...` line on stderr with exit status 2 (SPEC §5). Modules build
//! these with [`Error::new`]; they must not print anything themselves.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong, naming the cause (one line, no trailing period).
    pub message: String,
    /// What the user can do about it (one line).
    pub hint: String,
}

impl Error {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error { message: one_line(message.into()), hint: one_line(hint.into()) }
    }
}

fn one_line(s: String) -> String {
    if s.contains('\n') {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        s
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
