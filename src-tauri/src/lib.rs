//! The desktop shell: opens the database, registers the commands, shows the window.
//! All behaviour lives in `appeal-core`; the commands here only adapt.

mod commands;

use appeal_core::Db;
use tauri::Manager;

/// What every command reaches: the database, open once it is unlocked.
pub struct AppState {
    /// Where the database lives.
    pub path: std::path::PathBuf,
    /// `None` while locked (or before the first run made it).
    db: std::sync::RwLock<Option<Db>>,
    /// Sends running in this window, by mailing, to pause, resume or cancel them.
    pub sends: std::sync::Mutex<std::collections::HashMap<i64, appeal_core::outbox::SendControl>>,
    /// Wrong passphrases in a row, for the growing delay.
    pub failures: std::sync::Mutex<u32>,
}

impl AppState {
    fn new(path: std::path::PathBuf, db: Option<Db>) -> AppState {
        AppState {
            path,
            db: std::sync::RwLock::new(db),
            sends: Default::default(),
            failures: Default::default(),
        }
    }

    /// The open database, or the error that sends the UI to its unlock screen.
    pub fn db(&self) -> Result<Db, appeal_core::AppError> {
        self.current().ok_or_else(|| {
            appeal_core::Error::Locked("the database is locked; unlock it to go on".into()).into()
        })
    }

    pub fn current(&self) -> Option<Db> {
        self.db.read().expect("not poisoned").clone()
    }

    /// Takes a database just unlocked (or made): what a crash left "sending" becomes
    /// uncertain, and a backup is taken if one is due.
    pub async fn opened(&self, db: Db) -> Result<(), appeal_core::AppError> {
        let recovered = appeal_core::outbox::recover_all(&db).await?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "messages from an interrupted send are now uncertain"
            );
        }
        if let Err(e) = appeal_core::vault::backup::run_due(&db).await {
            tracing::warn!("the automatic backup failed: {e}");
        }
        *self.db.write().expect("not poisoned") = Some(db);
        Ok(())
    }

    /// Locks: running sends are stopped (what is in flight finishes, the rest stays queued),
    /// then every connection is closed and the key dropped.
    pub async fn lock(&self) -> appeal_core::vault::LockReport {
        let running: Vec<_> = self
            .sends
            .lock()
            .expect("not poisoned")
            .values()
            .cloned()
            .collect();
        for control in &running {
            control.stop();
        }
        // Each send removes itself from the registry when it has stopped.
        for _ in 0..1200 {
            if self.sends.lock().expect("not poisoned").is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let db = self.db.write().expect("not poisoned").take();
        if let Some(db) = db {
            db.close().await;
        }
        appeal_core::vault::LockReport {
            paused_sends: running.len() as u32,
        }
    }
}

/// The database the app opens: `APPEAL_DB` if set, else the default in the data directory.
fn database_path() -> Result<std::path::PathBuf, appeal_core::Error> {
    match std::env::var_os("APPEAL_DB") {
        Some(p) if !p.is_empty() => Ok(p.into()),
        _ => Db::default_path(),
    }
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("APPEAL_LOG"))
        .init();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let path = database_path()?;
            // A plaintext database (every one made before encryption) opens as it always did;
            // an encrypted one waits for the unlock screen, a missing one for the first run.
            let db = match appeal_core::vault::file_state(&path)? {
                appeal_core::vault::FileState::Plaintext => {
                    Some(tauri::async_runtime::block_on(Db::open(&path))?)
                }
                _ => None,
            };
            let state = AppState::new(path.clone(), None);
            if let Some(db) = db {
                tauri::async_runtime::block_on(state.opened(db))
                    .map_err(|e| appeal_core::Error::Conflict(e.message))?;
            }
            tracing::info!(path = %path.display(), "database found");
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::db::db_info,
            commands::vault::security_state,
            commands::vault::passphrase_strength,
            commands::vault::create_database,
            commands::vault::unlock_database,
            commands::vault::unlock_remembered,
            commands::vault::lock_database,
            commands::vault::encrypt_database,
            commands::vault::change_passphrase,
            commands::vault::new_recovery_key,
            commands::vault::rotate_data_key,
            commands::vault::set_remember,
            commands::vault::backup_now,
            commands::vault::list_backups,
            commands::vault::set_backup_settings,
            commands::vault::restore_backup,
            commands::vault::set_auto_lock,
            commands::vault::retention_overview,
            commands::vault::retention_due,
            commands::vault::set_retention,
            commands::vault::purge_retention,
            commands::campaigns::list_campaigns,
            commands::campaigns::create_campaign,
            commands::campaigns::list_petitions,
            commands::campaigns::create_petition,
            commands::signatories::list_signatories,
            commands::signatories::get_signatory,
            commands::signatories::update_signatory,
            commands::signatories::delete_signatory,
            commands::signatories::erase_signatory,
            commands::imports::preview_import,
            commands::imports::run_import,
            commands::imports::list_imports,
            commands::imports::undo_import,
            commands::imports::save_rejects,
            commands::export::export_columns,
            commands::export::export_signatures,
            commands::targets::list_targets,
            commands::targets::create_target,
            commands::targets::update_target,
            commands::targets::delete_target,
            commands::targets::import_targets,
            commands::targets::export_targets,
            commands::templates::list_templates,
            commands::templates::save_template,
            commands::templates::delete_template,
            commands::templates::check_template,
            commands::templates::template_fields,
            commands::templates::preview_recipients,
            commands::templates::render_preview,
            commands::mailings::list_mailings,
            commands::mailings::create_mailing,
            commands::mailings::delete_mailing,
            commands::mailings::check_mailing,
            commands::mailings::audience_consent,
            commands::mailings::merge_mailing,
            commands::mailings::list_messages,
            commands::mailings::get_message,
            commands::mailings::export_messages,
            commands::sending::list_smtp_profiles,
            commands::sending::save_smtp_profile,
            commands::sending::delete_smtp_profile,
            commands::sending::set_smtp_password,
            commands::sending::has_smtp_password,
            commands::sending::test_smtp_profile,
            commands::sending::start_send,
            commands::sending::pause_send,
            commands::sending::resume_send,
            commands::sending::cancel_send,
            commands::sending::send_test_message,
            commands::sending::outbox_status,
            commands::sending::outbox_list,
            commands::sending::message_attempts,
            commands::sending::retry_failed,
            commands::sending::retry_deferred_now,
            commands::sending::resolve_uncertain,
            commands::sending::export_send_log,
            commands::sending::sent_per_minute,
            commands::sending::import_suppression_list,
            commands::mailbox::list_mailboxes,
            commands::mailbox::add_mailbox,
            commands::mailbox::delete_mailbox,
            commands::mailbox::set_mailbox_password,
            commands::mailbox::test_mailbox,
            commands::mailbox::process_mailbox,
        ])
        .run(tauri::generate_context!())
        .expect("the Appeal Desk window could not start");
}
