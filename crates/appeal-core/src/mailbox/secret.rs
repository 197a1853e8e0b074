//! Mailbox passwords in the OS keychain ([`crate::keychain`]), as SMTP passwords are. Keyed
//! by `user@host:port`. The keychain calls block; call these from a blocking thread.

use super::MailboxAccount;
use crate::error::{Error, Result};
use crate::keychain::Secret;

const SERVICE: &str = "Appeal Desk IMAP";

fn secret(m: &MailboxAccount) -> Result<Secret> {
    let account = format!("{}@{}:{}", m.draft.username, m.draft.host, m.draft.port);
    Secret::new(SERVICE, &account, "the mailbox", "APPEAL_IMAP_PASSWORD")
}

pub fn set_password(m: &MailboxAccount, password: &str) -> Result<()> {
    secret(m)?.set(password)
}

pub fn delete_password(m: &MailboxAccount) -> Result<()> {
    secret(m)?.delete()
}

/// `given` (typed for this action, or from the environment) if any, else the keychain's;
/// none anywhere, or no keychain to ask, is [`Error::PasswordNeeded`]: the person can still
/// type it.
pub fn resolve_password(m: &MailboxAccount, given: Option<String>) -> Result<String> {
    if let Some(pw) = given.filter(|g| !g.is_empty()) {
        return Ok(pw);
    }
    match secret(m).and_then(|s| s.get()) {
        Ok(Some(pw)) => Ok(pw),
        Ok(None) => Err(Error::PasswordNeeded(format!(
            "there is no password for the mailbox '{}' in the keychain: store it (mailbox settings in the app, or `appeal mailbox password {}`), or give it for this action (APPEAL_IMAP_PASSWORD on the command line)",
            m.draft.name, m.draft.name
        ))),
        Err(e) => Err(Error::PasswordNeeded(format!(
            "{e}; type the password for this action instead"
        ))),
    }
}
