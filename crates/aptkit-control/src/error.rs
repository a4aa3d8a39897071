/// Errors in control data. Line numbers are 1-based; the caller knows the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("line {line}: invalid version `{version}`: {message}")]
    Version { line: usize, version: String, message: String },
    #[error("line {line}: field `{field}` is required")]
    MissingField { line: usize, field: String },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The message without its line number, for callers that print
    /// `file:line: message`.
    pub fn message(&self) -> String {
        let text = self.to_string();
        match text.split_once(": ") {
            Some((prefix, rest)) if prefix.starts_with("line ") => rest.to_string(),
            _ => text,
        }
    }

    /// The 1-based line the error refers to.
    pub fn line(&self) -> usize {
        match self {
            Error::Syntax { line, .. } | Error::Version { line, .. } | Error::MissingField { line, .. } => *line,
        }
    }
}
