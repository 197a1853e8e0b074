//! SMTP passwords in the OS keychain ([`crate::keychain`]).
//!
//! An entry is keyed by `user@host:port`, so two databases using the same account share it.
//! The keychain calls block (D-Bus round trips); call these from a blocking thread.

use crate::error::{Error, Result};
use crate::keychain::Secret;

use super::Profile;

const SERVICE: &str = "Appeal Desk SMTP";

fn account(p: &Profile) -> Result<String> {
    let user = p
        .draft
        .username
        .as_deref()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "the SMTP account '{}' has no user name, so it has no password",
                p.draft.name
            ))
        })?;
    Ok(format!("{user}@{}:{}", p.draft.host, p.draft.port))
}

fn secret(p: &Profile) -> Result<Secret> {
    Secret::new(SERVICE, &account(p)?, "the SMTP", "APPEAL_SMTP_PASSWORD")
}

pub fn set(p: &Profile, password: &str) -> Result<()> {
    secret(p)?.set(password)
}

/// The stored password, or `None` when the keychain has none for this account.
pub fn get(p: &Profile) -> Result<Option<String>> {
    secret(p)?.get()
}

pub fn delete(p: &Profile) -> Result<()> {
    secret(p)?.delete()
}

/// The password to use for one action: `given` (typed for it, or from the environment) if
/// any, else the keychain's; `None` for an account without login. No password anywhere is
/// [`Error::PasswordNeeded`], so the caller can ask for one.
pub fn resolve(p: &Profile, given: Option<String>) -> Result<Option<String>> {
    if p.draft.username.as_deref().is_none_or(str::is_empty) {
        return Ok(None);
    }
    if let Some(pw) = given.filter(|g| !g.is_empty()) {
        return Ok(Some(pw));
    }
    get(p)?.map(Some).ok_or_else(|| {
        Error::PasswordNeeded(format!(
            "there is no password for the SMTP account '{}' in the keychain: store it (account settings in the app, or `appeal smtp password {}`), or give it for this action (APPEAL_SMTP_PASSWORD on the command line)",
            p.draft.name, p.draft.name
        ))
    })
}
