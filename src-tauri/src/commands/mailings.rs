use std::path::PathBuf;

use appeal_core::mailings::handover::{self, HandoverFormat, HandoverReport};
use appeal_core::mailings::messages::{self, Message, MessagePage};
use appeal_core::mailings::{
    self, AudienceCheck, AudienceFilter, ConsentCounts, Mailing, MailingDraft, MergeProgress,
    MergeReport,
};
use tauri::State;
use tauri::ipc::Channel;

use super::Cmd;
use crate::AppState;

#[tauri::command]
pub async fn list_mailings(state: State<'_, AppState>, campaign_id: i64) -> Cmd<Vec<Mailing>> {
    Ok(mailings::list(&state.db()?, campaign_id).await?)
}

#[tauri::command]
pub async fn create_mailing(state: State<'_, AppState>, draft: MailingDraft) -> Cmd<Mailing> {
    Ok(mailings::create(&state.db()?, &draft).await?)
}

#[tauri::command]
pub async fn delete_mailing(state: State<'_, AppState>, id: i64) -> Cmd<()> {
    Ok(mailings::delete(&state.db()?, id).await?)
}

/// How many of the people `filter` selects said yes, no or nothing about being contacted.
#[tauri::command]
pub async fn audience_consent(
    state: State<'_, AppState>,
    campaign_id: i64,
    filter: AudienceFilter,
) -> Cmd<ConsentCounts> {
    Ok(mailings::consent_counts(&state.db()?, campaign_id, &filter).await?)
}

#[tauri::command]
pub async fn check_mailing(state: State<'_, AppState>, id: i64) -> Cmd<AudienceCheck> {
    Ok(mailings::check(&state.db()?, id).await?)
}

/// Merges; with problems in the audience it refuses unless `exclude_problems` is true.
#[tauri::command]
pub async fn merge_mailing(
    state: State<'_, AppState>,
    id: i64,
    exclude_problems: Option<bool>,
    on_progress: Channel<MergeProgress>,
) -> Cmd<MergeReport> {
    let progress = move |p: MergeProgress| {
        let _ = on_progress.send(p);
    };
    Ok(mailings::merge(
        &state.db()?,
        id,
        exclude_problems.unwrap_or(false),
        &progress,
    )
    .await?)
}

#[tauri::command]
pub async fn list_messages(
    state: State<'_, AppState>,
    mailing_id: i64,
    offset: i64,
    limit: i64,
) -> Cmd<MessagePage> {
    Ok(messages::list(&state.db()?, mailing_id, offset, limit).await?)
}

#[tauri::command]
pub async fn get_message(state: State<'_, AppState>, id: i64) -> Cmd<Message> {
    Ok(messages::get(&state.db()?, id).await?)
}

#[tauri::command]
pub async fn export_messages(
    state: State<'_, AppState>,
    mailing_id: i64,
    format: HandoverFormat,
    path: PathBuf,
) -> Cmd<HandoverReport> {
    Ok(handover::export(&state.db()?, mailing_id, format, &path).await?)
}
