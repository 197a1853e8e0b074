//! The group's mailbox: settings, password, test, and processing (review first, then apply).

use appeal_core::mailbox::{self, MailboxAccount, MailboxDraft, MailboxTest, ProcessReport};
use tauri::State;

use super::{Cmd, blocking};
use crate::AppState;

#[tauri::command]
pub async fn list_mailboxes(state: State<'_, AppState>) -> Cmd<Vec<MailboxAccount>> {
    Ok(mailbox::list(&state.db()?).await?)
}

#[tauri::command]
pub async fn add_mailbox(state: State<'_, AppState>, draft: MailboxDraft) -> Cmd<MailboxAccount> {
    Ok(mailbox::add(&state.db()?, &draft).await?)
}

#[tauri::command]
pub async fn delete_mailbox(state: State<'_, AppState>, id: i64) -> Cmd<()> {
    Ok(mailbox::delete(&state.db()?, id).await?)
}

/// Stores the mailbox's password in the OS keychain.
#[tauri::command]
pub async fn set_mailbox_password(
    state: State<'_, AppState>,
    id: i64,
    password: String,
) -> Cmd<()> {
    let m = mailbox::get(&state.db()?, id).await?;
    blocking(move || mailbox::set_password(&m, &password)).await
}

async fn password(m: &MailboxAccount, given: Option<String>) -> Cmd<String> {
    let account = m.clone();
    blocking(move || mailbox::resolve_password(&account, given)).await
}

#[tauri::command]
pub async fn test_mailbox(
    state: State<'_, AppState>,
    id: i64,
    password: Option<String>,
) -> Cmd<MailboxTest> {
    let m = mailbox::get(&state.db()?, id).await?;
    let pw = self::password(&m, password).await?;
    Ok(mailbox::test(&m, &pw).await?)
}

/// Reads the mailbox; with `dry_run` nothing changes (the review), otherwise it acts.
#[tauri::command]
pub async fn process_mailbox(
    state: State<'_, AppState>,
    id: i64,
    dry_run: bool,
    password: Option<String>,
) -> Cmd<ProcessReport> {
    let m = mailbox::get(&state.db()?, id).await?;
    let pw = self::password(&m, password).await?;
    Ok(mailbox::process(&state.db()?, &m, &pw, dry_run).await?)
}
