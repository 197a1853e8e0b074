//! Passwords in the OS keychain (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), for SMTP accounts and mailboxes alike. Never in the database, never
//! in a file of ours. The calls block (D-Bus round trips); call them from a blocking thread.

use crate::error::{Error, Result};

/// One stored password: a service ("Appeal Desk SMTP") and an account (`user@host:port`).
pub(crate) struct Secret {
    entry: keyring::Entry,
    /// What the password is for, in the error sentences ("the SMTP", "the mailbox").
    what: &'static str,
    /// The environment variable the CLI takes the password from instead.
    env: &'static str,
}

impl Secret {
    pub fn new(
        service: &str,
        account: &str,
        what: &'static str,
        env: &'static str,
    ) -> Result<Secret> {
        keyring::Entry::new(service, account)
            .map(|entry| Secret { entry, what, env })
            .map_err(|e| error(what, env, "open", &e))
    }

    pub fn set(&self, password: &str) -> Result<()> {
        if password.is_empty() {
            return Err(Error::InvalidInput("the password is empty".into()));
        }
        self.entry
            .set_password(password)
            .map_err(|e| error(self.what, self.env, "store", &e))
    }

    /// The stored password, or `None` when the keychain has none for this account.
    pub fn get(&self) -> Result<Option<String>> {
        match self.entry.get_password() {
            Ok(pw) => Ok(Some(pw)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(error(self.what, self.env, "read", &e)),
        }
    }

    pub fn delete(&self) -> Result<()> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(error(self.what, self.env, "remove", &e)),
        }
    }
}

fn error(what: &str, env: &str, action: &str, e: &keyring::Error) -> Error {
    Error::Conflict(format!(
        "cannot {action} {what} password in the system keychain: {e}. On Linux a Secret Service (GNOME Keyring or KWallet) must be running and unlocked; from the command line you can pass the password in {env} instead"
    ))
}
