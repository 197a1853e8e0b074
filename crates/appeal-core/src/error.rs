//! One error type for the core. Every message is a sentence a person can act on; the UI shows
//! it as is, keyed by [`Error::code`] only where it behaves differently.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidInput(String),
    /// The file cannot be read as a table at all; nothing was stored.
    #[error("{file}: line {line}: {message}. Nothing was imported.")]
    MalformedFile {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    /// The mail server could not be reached, or refused us; the message says why in words.
    #[error("{0}")]
    Connection(String),
    /// An SMTP account needs a password that was not given and is not in the keychain.
    #[error("{0}")]
    PasswordNeeded(String),
    /// The passphrase, recovery key or remembered key does not open the database.
    #[error("{0}")]
    WrongKey(String),
    /// The database is encrypted and locked: it must be unlocked first.
    #[error("{0}")]
    Locked(String),
    /// A file (a backup taken with an earlier key) needs its own passphrase or recovery key.
    #[error("{0}")]
    KeyNeeded(String),
    #[error(
        "this database was made by a newer version of Appeal Desk (schema {found}, this version knows up to {supported}); update Appeal Desk to open it"
    )]
    NewerDatabase { found: i64, supported: i64 },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the connection that does the big writes and reads (see `db::Bulk`).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("cannot update the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Something stored that this version never writes: the file was changed outside Appeal
    /// Desk or damaged. Read as an error, never as a default that could widen a mailing or
    /// overwrite a person's fields.
    /// A task of ours stopped unexpectedly (a panic, a cancelled thread): a bug, not the
    /// user's input.
    #[error("{0}")]
    Internal(String),
    #[error(
        "the database holds {0}, which Appeal Desk did not write; the file was changed outside the app or is damaged (restore it from a backup)"
    )]
    Damaged(String),
}

impl From<rusqlite::Error> for Error {
    /// An error of ours raised while rusqlite mapped a row (it can only carry it as a
    /// conversion failure, as `fields_from_bulk_row` does) comes back as itself.
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::FromSqlConversionFailure(column, kind, inner) => {
                match inner.downcast::<Error>() {
                    Ok(ours) => *ours,
                    Err(inner) => Error::Sqlite(rusqlite::Error::FromSqlConversionFailure(
                        column, kind, inner,
                    )),
                }
            }
            other => Error::Sqlite(other),
        }
    }
}

/// What kind of error it is, for the UI to act on and translate. Generated for the UI as a
/// union of these names, so its map from code to sentence is checked by the compiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    NotFound,
    InvalidInput,
    MalformedFile,
    Conflict,
    Connection,
    PasswordNeeded,
    NewerDatabase,
    WrongKey,
    Locked,
    KeyNeeded,
    Io,
    Database,
    Internal,
    Damaged,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Error {
    /// A stable code for the UI; it acts on a few of them (e.g. `newer_database`).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::MalformedFile { .. } => ErrorCode::MalformedFile,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Connection(_) => ErrorCode::Connection,
            Error::PasswordNeeded(_) => ErrorCode::PasswordNeeded,
            Error::NewerDatabase { .. } => ErrorCode::NewerDatabase,
            Error::WrongKey(_) => ErrorCode::WrongKey,
            Error::Locked(_) => ErrorCode::Locked,
            Error::KeyNeeded(_) => ErrorCode::KeyNeeded,
            Error::Io { .. } => ErrorCode::Io,
            Error::Database(_) | Error::Sqlite(_) | Error::Migrate(_) => ErrorCode::Database,
            Error::Internal(_) => ErrorCode::Internal,
            Error::Damaged(_) => ErrorCode::Damaged,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// An error as it crosses to the UI: `{code, message}`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}
