//! The desktop shell: opens the database, registers the commands, shows the window.
//! All behaviour lives in `appeal-core`; the commands here only adapt.

mod commands;

use appeal_core::Db;
use tauri::Manager;

/// What every command reaches: the open database.
pub struct AppState {
    pub db: Db,
    /// Sends running in this window, by mailing, to pause, resume or cancel them.
    pub sends: std::sync::Mutex<std::collections::HashMap<i64, appeal_core::outbox::SendControl>>,
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
            let db = tauri::async_runtime::block_on(Db::open(&path))?;
            tracing::info!(path = %path.display(), "database open");
            // Messages a crashed run left "sending" become "uncertain" for the user to decide.
            let recovered = tauri::async_runtime::block_on(appeal_core::outbox::recover_all(&db))?;
            if recovered > 0 {
                tracing::warn!(
                    recovered,
                    "messages from an interrupted send are now uncertain"
                );
            }
            app.manage(AppState {
                db,
                sends: Default::default(),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::db::db_info,
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
