use std::path::PathBuf;
use std::sync::Arc;

use appeal_core::Error;
use appeal_core::outbox::engine::TestSendReport;
use appeal_core::outbox::{
    self, Attempt, MinuteCount, OutboxPage, OutboxQuery, OutboxStatus, Resolution, SendControl,
    SendOptions, SendProgress,
};
use appeal_core::smtp::{self, Profile, ProfileDraft, TestReport, secret};
use tauri::State;
use tauri::ipc::Channel;

use super::{Cmd, blocking};
use crate::AppState;

#[tauri::command]
pub async fn list_smtp_profiles(state: State<'_, AppState>) -> Cmd<Vec<Profile>> {
    Ok(smtp::list(&state.db()?).await?)
}

/// Adds (no id) or updates an account.
#[tauri::command]
pub async fn save_smtp_profile(
    state: State<'_, AppState>,
    id: Option<i64>,
    draft: ProfileDraft,
) -> Cmd<Profile> {
    Ok(match id {
        Some(id) => smtp::update(&state.db()?, id, &draft).await?,
        None => smtp::add(&state.db()?, &draft).await?,
    })
}

#[tauri::command]
pub async fn delete_smtp_profile(state: State<'_, AppState>, id: i64) -> Cmd<()> {
    Ok(smtp::delete(&state.db()?, id).await?)
}

/// Stores the password in the OS keychain.
#[tauri::command]
pub async fn set_smtp_password(state: State<'_, AppState>, id: i64, password: String) -> Cmd<()> {
    let p = smtp::get(&state.db()?, id).await?;
    blocking(move || secret::set(&p, &password)).await
}

/// Whether the keychain holds a password for the account.
#[tauri::command]
pub async fn has_smtp_password(state: State<'_, AppState>, id: i64) -> Cmd<bool> {
    let p = smtp::get(&state.db()?, id).await?;
    if p.draft.username.is_none() {
        return Ok(false);
    }
    Ok(blocking(move || secret::get(&p)).await?.is_some())
}

/// The password given for this one action, else the keychain's (`password_needed` if none).
async fn password(p: &Profile, given: Option<String>) -> Cmd<Option<String>> {
    let profile = p.clone();
    blocking(move || secret::resolve(&profile, given)).await
}

#[tauri::command]
pub async fn test_smtp_profile(
    state: State<'_, AppState>,
    id: i64,
    password: Option<String>,
) -> Cmd<TestReport> {
    let p = smtp::get(&state.db()?, id).await?;
    let pw = self::password(&p, password).await?;
    Ok(smtp::test_connection(&p, pw.as_deref()).await?)
}

/// Sends a mailing; resolves when it is finished or stopped. Progress arrives on the channel.
#[tauri::command]
pub async fn start_send(
    state: State<'_, AppState>,
    mailing_id: i64,
    profile_id: i64,
    password: Option<String>,
    on_progress: Channel<SendProgress>,
) -> Cmd<SendProgress> {
    let p = smtp::get(&state.db()?, profile_id).await?;
    let pw = self::password(&p, password).await?;
    let control = SendControl::new();
    {
        let mut sends = state.sends.lock().expect("not poisoned");
        if sends.contains_key(&mailing_id) {
            return Err(Error::Conflict("this mailing is already being sent".into()).into());
        }
        sends.insert(mailing_id, control.clone());
    }
    let progress = Arc::new(move |u: SendProgress| {
        let _ = on_progress.send(u);
    });
    let result = outbox::send(
        &state.db()?,
        mailing_id,
        &p,
        pw,
        control,
        progress,
        SendOptions::default(),
    )
    .await;
    state
        .sends
        .lock()
        .expect("not poisoned")
        .remove(&mailing_id);
    Ok(result?)
}

fn control(state: &AppState, mailing_id: i64) -> Option<SendControl> {
    state
        .sends
        .lock()
        .expect("not poisoned")
        .get(&mailing_id)
        .cloned()
}

#[tauri::command]
pub async fn pause_send(state: State<'_, AppState>, mailing_id: i64) -> Cmd<bool> {
    Ok(control(&state, mailing_id).map(|c| c.pause()).is_some())
}

#[tauri::command]
pub async fn resume_send(state: State<'_, AppState>, mailing_id: i64) -> Cmd<bool> {
    Ok(control(&state, mailing_id).map(|c| c.resume()).is_some())
}

/// Cancels a running send (it stops, then cancels what is left), or what is left of a
/// stopped one. Returns how many messages were cancelled right away.
#[tauri::command]
pub async fn cancel_send(state: State<'_, AppState>, mailing_id: i64) -> Cmd<u64> {
    match control(&state, mailing_id) {
        Some(c) => {
            c.cancel();
            Ok(0)
        }
        None => Ok(outbox::cancel(&state.db()?, mailing_id).await?),
    }
}

#[tauri::command]
pub async fn send_test_message(
    state: State<'_, AppState>,
    message_id: i64,
    profile_id: i64,
    to: String,
    password: Option<String>,
) -> Cmd<TestSendReport> {
    let p = smtp::get(&state.db()?, profile_id).await?;
    let pw = self::password(&p, password).await?;
    Ok(outbox::send_test(&state.db()?, message_id, &p, pw, &to).await?)
}

#[tauri::command]
pub async fn outbox_status(state: State<'_, AppState>, mailing_id: i64) -> Cmd<OutboxStatus> {
    Ok(outbox::status(&state.db()?, mailing_id).await?)
}

#[tauri::command]
pub async fn outbox_list(
    state: State<'_, AppState>,
    mailing_id: i64,
    query: OutboxQuery,
) -> Cmd<OutboxPage> {
    Ok(outbox::list(&state.db()?, mailing_id, &query).await?)
}

#[tauri::command]
pub async fn message_attempts(state: State<'_, AppState>, message_id: i64) -> Cmd<Vec<Attempt>> {
    Ok(outbox::attempts(&state.db()?, message_id).await?)
}

#[tauri::command]
pub async fn retry_failed(state: State<'_, AppState>, mailing_id: i64) -> Cmd<u64> {
    Ok(outbox::retry_failed(&state.db()?, mailing_id).await?)
}

#[tauri::command]
pub async fn retry_deferred_now(state: State<'_, AppState>, mailing_id: i64) -> Cmd<u64> {
    Ok(outbox::retry_deferred_now(&state.db()?, mailing_id).await?)
}

#[tauri::command]
pub async fn resolve_uncertain(
    state: State<'_, AppState>,
    mailing_id: i64,
    resolution: Resolution,
    ids: Option<Vec<i64>>,
) -> Cmd<u64> {
    Ok(outbox::resolve_uncertain(&state.db()?, mailing_id, resolution, ids.as_deref()).await?)
}

#[tauri::command]
pub async fn export_send_log(
    state: State<'_, AppState>,
    mailing_id: i64,
    path: PathBuf,
) -> Cmd<u64> {
    Ok(outbox::export_log(&state.db()?, mailing_id, &path).await?)
}

#[tauri::command]
pub async fn sent_per_minute(state: State<'_, AppState>, mailing_id: i64) -> Cmd<Vec<MinuteCount>> {
    Ok(outbox::per_minute(&state.db()?, mailing_id).await?)
}

#[tauri::command]
pub async fn import_suppression_list(
    state: State<'_, AppState>,
    path: PathBuf,
    reason: appeal_core::suppression::SuppressionReason,
) -> Cmd<appeal_core::suppression::ListImport> {
    Ok(appeal_core::suppression::import_list(&state.db()?, &path, reason).await?)
}
