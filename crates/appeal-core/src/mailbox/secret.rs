//! Mailbox passwords in the OS keychain, as SMTP passwords are: never in the database.
//! Keyed by `user@host:port`. The keychain calls block; call these from a blocking thread.

use super::MailboxAccount;
use crate::error::{Error, Result};

const SERVICE: &str = "Appeal Desk IMAP";

fn entry(m: &MailboxAccount) -> Result<keyring::Entry> {
    let account = format!("{}@{}:{}", m.draft.username, m.draft.host, m.draft.port);
    keyring::Entry::new(SERVICE, &account).map_err(|e| keychain_error("open", &e))
}

fn keychain_error(action: &str, e: &keyring::Error) -> Error {
    Error::Conflict(format!(
        "cannot {action} the mailbox password in the system keychain: {e}. On Linux a Secret Service (GNOME Keyring or KWallet) must be running and unlocked; from the command line you can pass the password in APPEAL_IMAP_PASSWORD instead"
    ))
}

pub fn set_password(m: &MailboxAccount, password: &str) -> Result<()> {
    if password.is_empty() {
        return Err(Error::InvalidInput("the password is empty".into()));
    }
    entry(m)?
        .set_password(password)
        .map_err(|e| keychain_error("store", &e))
}

pub fn delete_password(m: &MailboxAccount) -> Result<()> {
    match entry(m)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keychain_error("remove", &e)),
    }
}

/// `given` (typed for this action, or from the environment) if any, else the keychain's;
/// none anywhere is [`Error::PasswordNeeded`].
pub fn resolve_password(m: &MailboxAccount, given: Option<String>) -> Result<String> {
    if let Some(pw) = given.filter(|g| !g.is_empty()) {
        return Ok(pw);
    }
    match entry(m)?.get_password() {
        Ok(pw) => Ok(pw),
        Err(keyring::Error::NoEntry) => Err(Error::PasswordNeeded(format!(
            "there is no password for the mailbox '{}' in the keychain: store it (mailbox settings in the app, or `appeal mailbox password {}`), or give it for this action (APPEAL_IMAP_PASSWORD on the command line)",
            m.draft.name, m.draft.name
        ))),
        Err(e) => Err(keychain_error("read", &e)),
    }
}
