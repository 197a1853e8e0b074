//! Tauri commands, one file per domain. Each takes the state, calls one core function and
//! turns its error into `{code, message}`.

pub mod campaigns;
pub mod db;
pub mod export;
pub mod imports;
pub mod mailbox;
pub mod mailings;
pub mod sending;
pub mod signatories;
pub mod targets;
pub mod templates;

pub type Cmd<T> = Result<T, appeal_core::AppError>;
