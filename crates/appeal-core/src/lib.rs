//! Appeal Desk's whole domain, with no UI in it.
//!
//! The desktop shell (`src-tauri`) and the `appeal` command are two thin adapters over the
//! functions here: open a [`Db`], then import signature lists ([`imports`]), browse and edit
//! signatories ([`signatories`]), export a petition's list ([`export`]) and erase people on
//! request ([`erasure`]). Everything that changes many rows runs in one transaction.

pub mod backups;
pub mod campaigns;
pub mod db;
pub mod email;
pub mod erasure;
pub mod error;
pub mod export;
pub mod imports;
pub mod key;
mod keychain;
pub mod mailbox;
pub mod mailings;
pub mod outbox;
pub mod progress;
pub mod retention;
pub mod signatories;
pub mod smtp;
pub mod suppression;
pub mod table;
pub mod targets;
pub mod templates;
mod time_util;
pub mod vault;

pub use db::{Db, DbInfo};
pub use error::{AppError, Error, ErrorCode, Result};
pub use progress::Progress;
pub use time_util::Clock;
