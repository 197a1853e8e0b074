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

impl Error {
    /// A stable code for the UI; it acts on a few of them (e.g. `newer_database`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not_found",
            Error::InvalidInput(_) => "invalid_input",
            Error::MalformedFile { .. } => "malformed_file",
            Error::Conflict(_) => "conflict",
            Error::Connection(_) => "connection",
            Error::PasswordNeeded(_) => "password_needed",
            Error::NewerDatabase { .. } => "newer_database",
            Error::WrongKey(_) => "wrong_key",
            Error::Locked(_) => "locked",
            Error::Io { .. } => "io",
            Error::Database(_) | Error::Sqlite(_) | Error::Migrate(_) => "database",
            Error::Damaged(_) => "damaged",
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
    pub code: String,
    pub message: String,
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}
