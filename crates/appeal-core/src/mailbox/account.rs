//! The group's mailbox accounts: what is stored of them, and checking what the user gives.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::*;
use crate::db::Db;
use crate::error::{Error, Result};

#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum MailboxSecurity {
    /// TLS from the first byte (IMAPS, port 993).
    Tls,
    /// STARTTLS on the plain port (143), required before logging in.
    Starttls,
}

impl MailboxSecurity {
    /// The port this kind of connection usually listens on.
    pub fn default_port(self) -> u16 {
        match self {
            MailboxSecurity::Tls => 993,
            MailboxSecurity::Starttls => 143,
        }
    }

    fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MailboxDraft {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub security: MailboxSecurity,
    pub username: String,
    /// The folder replies and bounces arrive in.
    pub folder: String,
    /// Where processed mail is moved; none: it is flagged `$AppealDeskProcessed` instead.
    pub processed_folder: Option<String>,
    /// A CA certificate (PEM) to trust besides the system's, for a group's own server.
    pub ca_file: Option<String>,
}

impl MailboxDraft {
    pub fn new(name: &str, host: &str, username: &str) -> MailboxDraft {
        MailboxDraft {
            name: name.into(),
            host: host.into(),
            port: 993,
            security: MailboxSecurity::Tls,
            username: username.into(),
            folder: "INBOX".into(),
            processed_folder: Some("Processed by Appeal Desk".into()),
            ca_file: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MailboxAccount {
    pub id: i64,
    #[serde(flatten)]
    pub draft: MailboxDraft,
    pub created_at: String,
}

pub(super) fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<MailboxAccount> {
    let security: String = r.try_get("security")?;
    let port: i64 = r.try_get("port")?;
    Ok(MailboxAccount {
        id: r.try_get("id")?,
        draft: MailboxDraft {
            name: r.try_get("name")?,
            host: r.try_get("host")?,
            port: u16::try_from(port)
                .map_err(|_| crate::db::unknown_stored("a mailbox port", &port.to_string()))?,
            security: crate::db::stored("a mailbox security", &security)?,
            username: r.try_get("username")?,
            folder: r.try_get("folder")?,
            processed_folder: r.try_get("processed_folder")?,
            ca_file: r.try_get("ca_file")?,
        },
        created_at: r.try_get("created_at")?,
    })
}

pub(super) fn check(d: &MailboxDraft) -> Result<()> {
    let one_line = |v: &str| !v.trim().is_empty() && !v.chars().any(char::is_control);
    if !one_line(&d.name) {
        return Err(Error::InvalidInput("a mailbox needs a name".into()));
    }
    if !one_line(&d.host) || d.host.contains(' ') {
        return Err(Error::InvalidInput(format!(
            "'{}' is not a server name (for example imap.example.org)",
            d.host
        )));
    }
    if d.port == 0 {
        return Err(Error::InvalidInput(
            "the port must be 1–65535 (993 for TLS, 143 for STARTTLS)".into(),
        ));
    }
    if !one_line(&d.username) {
        return Err(Error::InvalidInput("the mailbox needs a user name".into()));
    }
    for (what, f) in [
        ("folder", Some(&d.folder)),
        ("processed folder", d.processed_folder.as_ref()),
    ] {
        if let Some(f) = f
            && (!one_line(f) || f.contains('"') || f.contains('\\'))
        {
            return Err(Error::InvalidInput(format!(
                "the {what} name '{f}' must be one line without quotes or backslashes"
            )));
        }
    }
    if d.processed_folder
        .as_deref()
        .is_some_and(|p| p.trim().eq_ignore_ascii_case(d.folder.trim()))
    {
        return Err(Error::InvalidInput(
            "the processed folder must differ from the folder that is read".into(),
        ));
    }
    if let Some(ca) = d.ca_file.as_deref().filter(|c| !c.is_empty()) {
        crate::smtp::connect::load_ca(ca)?;
    }
    Ok(())
}

pub async fn add(db: &Db, d: &MailboxDraft) -> Result<MailboxAccount> {
    check(d)?;
    let id = sqlx::query(
        "INSERT INTO mailboxes (name, host, port, security, username, folder, processed_folder, ca_file, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(d.name.trim())
    .bind(d.host.trim())
    .bind(i64::from(d.port))
    .bind(d.security.as_str())
    .bind(d.username.trim())
    .bind(d.folder.trim())
    .bind(d.processed_folder.as_deref().map(str::trim).filter(|p| !p.is_empty()))
    .bind(d.ca_file.as_deref().filter(|c| !c.is_empty()))
    .bind(db.now())
    .execute(db.pool())
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(ref d) if d.is_unique_violation() => {
            Error::Conflict("there is already a mailbox with that name".into())
        }
        e => e.into(),
    })?
    .last_insert_rowid();
    get(db, id).await
}

pub async fn get(db: &Db, id: i64) -> Result<MailboxAccount> {
    let row = sqlx::query("SELECT * FROM mailboxes WHERE id = ?")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no mailbox with id {id}")))?;
    from_row(&row)
}

/// A mailbox by id or by name.
pub async fn find(db: &Db, key: &str) -> Result<MailboxAccount> {
    if let Ok(id) = key.parse::<i64>() {
        return get(db, id).await;
    }
    let row = sqlx::query("SELECT * FROM mailboxes WHERE name = ?")
        .bind(key.trim())
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| {
            Error::NotFound(format!(
                "there is no mailbox named '{key}'; `appeal mailbox list` shows them"
            ))
        })?;
    from_row(&row)
}

pub async fn list(db: &Db) -> Result<Vec<MailboxAccount>> {
    let rows = sqlx::query("SELECT * FROM mailboxes ORDER BY name")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Removes the mailbox's settings (and its password from the keychain); what it did stays
/// recorded.
pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let m = get(db, id).await?;
    sqlx::query("DELETE FROM mailboxes WHERE id = ?")
        .bind(id)
        .execute(db.pool())
        .await?;
    // The settings are gone either way; a password the keychain would not give up is said.
    let left = tokio::task::spawn_blocking(move || delete_password(&m))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    if let Err(e) = left {
        tracing::warn!("mailbox {id} removed, but its password is still in the keychain: {e}");
    }
    Ok(())
}
