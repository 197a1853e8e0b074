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
pub mod vault;

pub type Cmd<T> = Result<T, appeal_core::AppError>;

/// Runs a blocking core call (the OS keychain's D-Bus round trips) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> appeal_core::Result<T> + Send + 'static,
) -> Cmd<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| {
            appeal_core::AppError::from(appeal_core::Error::Internal(format!(
                "the keychain call failed: {e}"
            )))
        })?
        .map_err(appeal_core::AppError::from)
}
