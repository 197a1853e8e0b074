//! SMTP accounts ("profiles"): where and how a group's mail server is reached, who the letters
//! come from, and how fast it may be used. The password is never stored here: it lives in the
//! OS keychain ([`secret`]) or comes from the caller.

pub mod connect;
pub(crate) mod dkim;
pub mod secret;

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use ts_rs::TS;

use crate::db::Db;
use crate::email::is_valid_email;
use crate::error::{Error, Result};

pub use connect::{TestReport, test_connection};

#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Security {
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    Starttls,
    /// No encryption: only for a server on this machine (loopback), never with a password.
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn parse(s: &str) -> Result<Security> {
        crate::db::stored("an SMTP account with the security setting", s)
    }
}

/// Per-profile sending limits; `None` means no limit. Windows slide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RateLimits {
    pub per_second: Option<u32>,
    pub per_minute: Option<u32>,
    pub per_hour: Option<u32>,
    pub per_day: Option<u32>,
}

/// What the user fills in for an account.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProfileDraft {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    /// A CA certificate (PEM) to trust besides the system's, for a group's own server.
    pub ca_file: Option<String>,
    /// Connections used at once.
    pub concurrency: u32,
    pub limits: RateLimits,
    /// Transient failures are retried this many times in all before a message fails.
    pub max_attempts: u32,
    /// The first retry waits this long; each next one twice as long.
    pub retry_base_seconds: u32,
    /// How long to wait for any one server reply.
    pub timeout_seconds: u32,
    pub dkim: Option<DkimSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DkimSettings {
    pub domain: String,
    pub selector: String,
    /// A PEM private key (RSA or Ed25519).
    pub key_file: String,
}

impl ProfileDraft {
    /// A draft with the usual defaults for the given server.
    pub fn new(name: &str, host: &str, port: u16, security: Security, from_address: &str) -> Self {
        ProfileDraft {
            name: name.into(),
            host: host.into(),
            port,
            security,
            username: None,
            from_name: String::new(),
            from_address: from_address.into(),
            reply_to: None,
            ca_file: None,
            concurrency: 4,
            limits: RateLimits::default(),
            max_attempts: 5,
            retry_base_seconds: 60,
            timeout_seconds: 60,
            dkim: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Profile {
    pub id: i64,
    #[serde(flatten)]
    #[ts(flatten)]
    pub draft: ProfileDraft,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    name: String,
    host: String,
    port: i64,
    security: String,
    username: Option<String>,
    from_name: String,
    from_address: String,
    reply_to: Option<String>,
    ca_file: Option<String>,
    concurrency: i64,
    per_second: Option<i64>,
    per_minute: Option<i64>,
    per_hour: Option<i64>,
    per_day: Option<i64>,
    max_attempts: i64,
    retry_base_seconds: i64,
    timeout_seconds: i64,
    dkim_domain: Option<String>,
    dkim_selector: Option<String>,
    dkim_key_file: Option<String>,
    created_at: String,
    updated_at: String,
}

impl Row {
    fn into_profile(self) -> Result<Profile> {
        let limit = |v: Option<i64>| v.map(|n| n.clamp(0, u32::MAX as i64) as u32);
        let dkim = match (self.dkim_domain, self.dkim_selector, self.dkim_key_file) {
            (Some(domain), Some(selector), Some(key_file)) => Some(DkimSettings {
                domain,
                selector,
                key_file,
            }),
            _ => None,
        };
        Ok(Profile {
            id: self.id,
            draft: ProfileDraft {
                name: self.name,
                host: self.host,
                port: u16::try_from(self.port).map_err(|_| {
                    Error::Conflict(format!("SMTP account {} has a damaged port", self.id))
                })?,
                security: Security::parse(&self.security)?,
                username: self.username,
                from_name: self.from_name,
                from_address: self.from_address,
                reply_to: self.reply_to,
                ca_file: self.ca_file,
                concurrency: self.concurrency as u32,
                limits: RateLimits {
                    per_second: limit(self.per_second),
                    per_minute: limit(self.per_minute),
                    per_hour: limit(self.per_hour),
                    per_day: limit(self.per_day),
                },
                max_attempts: self.max_attempts as u32,
                retry_base_seconds: self.retry_base_seconds as u32,
                timeout_seconds: self.timeout_seconds as u32,
                dkim,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Whether `host` names this machine: the only place an unencrypted connection may go.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn one_line(label: &str, v: &str) -> Result<()> {
    if v.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!("the {label} must be one line")));
    }
    Ok(())
}

fn check(d: &ProfileDraft) -> Result<()> {
    let bad = |m: String| Err(Error::InvalidInput(m));
    if d.name.trim().is_empty() {
        return bad("an SMTP account needs a name".into());
    }
    let host = d.host.trim();
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
        return bad(format!(
            "'{}' is not a server name; give a host such as smtp.example.org",
            d.host
        ));
    }
    if d.port == 0 {
        return bad("the port must be between 1 and 65535".into());
    }
    if d.security == Security::None && !is_loopback(host) {
        return bad(format!(
            "an unencrypted connection is only allowed to this machine (localhost), not to {host}; choose TLS or STARTTLS"
        ));
    }
    if d.security == Security::None && d.username.as_deref().is_some_and(|u| !u.is_empty()) {
        return bad(
            "a password is never sent over an unencrypted connection; choose TLS or STARTTLS, or leave the user name empty"
                .into(),
        );
    }
    one_line("sender's name", &d.from_name)?;
    for (label, addr) in [
        ("sender's address", Some(&d.from_address)),
        ("reply-to address", d.reply_to.as_ref()),
    ] {
        if let Some(a) = addr
            && !is_valid_email(a.trim())
        {
            return bad(format!("the {label} '{a}' is not an email address"));
        }
    }
    if let Some(u) = &d.username {
        one_line("user name", u)?;
    }
    if let Some(ca) = d.ca_file.as_deref().filter(|c| !c.is_empty()) {
        connect::load_ca(ca)?;
    }
    if !(1..=64).contains(&d.concurrency) {
        return bad("connections at once must be between 1 and 64".into());
    }
    for (label, v) in [
        ("per second", d.limits.per_second),
        ("per minute", d.limits.per_minute),
        ("per hour", d.limits.per_hour),
        ("per day", d.limits.per_day),
    ] {
        if v == Some(0) {
            return bad(format!(
                "a limit of 0 messages {label} would never send; leave it empty for no limit"
            ));
        }
    }
    if !(1..=50).contains(&d.max_attempts) {
        return bad("attempts must be between 1 and 50".into());
    }
    if d.retry_base_seconds == 0 || d.timeout_seconds == 0 {
        return bad("the retry delay and the timeout must be at least one second".into());
    }
    if let Some(k) = &d.dkim {
        one_line("DKIM domain", &k.domain)?;
        one_line("DKIM selector", &k.selector)?;
        if k.domain.trim().is_empty() || k.selector.trim().is_empty() {
            return bad("DKIM signing needs a domain and a selector".into());
        }
        dkim::load_dkim(k)?;
    }
    Ok(())
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub async fn add(db: &Db, d: &ProfileDraft) -> Result<Profile> {
    check(d)?;
    let id = bind(
        sqlx::query(
            "INSERT INTO smtp_profiles (name, host, port, security, username, from_name, from_address, reply_to, ca_file,
               concurrency, per_second, per_minute, per_hour, per_day, max_attempts, retry_base_seconds, timeout_seconds,
               dkim_domain, dkim_selector, dkim_key_file, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
        d,
    )
    .bind(db.now())
    .bind(db.now())
    .execute(db.pool())
    .await
    .map_err(|e| unique_name(e, &d.name))?
    .last_insert_rowid();
    get(db, id).await
}

pub async fn update(db: &Db, id: i64, d: &ProfileDraft) -> Result<Profile> {
    get(db, id).await?;
    check(d)?;
    bind(
        sqlx::query(
            "UPDATE smtp_profiles SET name = ?, host = ?, port = ?, security = ?, username = ?, from_name = ?, from_address = ?,
               reply_to = ?, ca_file = ?, concurrency = ?, per_second = ?, per_minute = ?, per_hour = ?, per_day = ?,
               max_attempts = ?, retry_base_seconds = ?, timeout_seconds = ?, dkim_domain = ?, dkim_selector = ?,
               dkim_key_file = ?, updated_at = ? WHERE id = ?",
        ),
        d,
    )
    .bind(db.now())
    .bind(id)
    .execute(db.pool())
    .await
    .map_err(|e| unique_name(e, &d.name))?;
    get(db, id).await
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    d: &'q ProfileDraft,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    q.bind(d.name.trim())
        .bind(d.host.trim())
        .bind(d.port as i64)
        .bind(d.security.as_str())
        .bind(opt(&d.username))
        .bind(d.from_name.trim())
        .bind(d.from_address.trim())
        .bind(opt(&d.reply_to))
        .bind(opt(&d.ca_file))
        .bind(d.concurrency as i64)
        .bind(d.limits.per_second.map(i64::from))
        .bind(d.limits.per_minute.map(i64::from))
        .bind(d.limits.per_hour.map(i64::from))
        .bind(d.limits.per_day.map(i64::from))
        .bind(d.max_attempts as i64)
        .bind(d.retry_base_seconds as i64)
        .bind(d.timeout_seconds as i64)
        .bind(d.dkim.as_ref().map(|k| k.domain.trim()))
        .bind(d.dkim.as_ref().map(|k| k.selector.trim()))
        .bind(d.dkim.as_ref().map(|k| k.key_file.as_str()))
}

fn unique_name(e: sqlx::Error, name: &str) -> Error {
    match e {
        sqlx::Error::Database(ref d) if d.message().contains("UNIQUE") => Error::InvalidInput(
            format!("there is already an SMTP account called '{}'", name.trim()),
        ),
        other => Error::Database(other),
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Profile> {
    sqlx::query_as::<_, Row>("SELECT * FROM smtp_profiles WHERE id = ?")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no SMTP account with id {id}")))?
        .into_profile()
}

/// An account by id or by name.
pub async fn find(db: &Db, key: &str) -> Result<Profile> {
    if let Ok(id) = key.parse::<i64>() {
        return get(db, id).await;
    }
    sqlx::query_as::<_, Row>("SELECT * FROM smtp_profiles WHERE name = ?")
        .bind(key.trim())
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no SMTP account called '{key}'")))?
        .into_profile()
}

pub async fn list(db: &Db) -> Result<Vec<Profile>> {
    sqlx::query_as::<_, Row>("SELECT * FROM smtp_profiles ORDER BY name")
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .map(Row::into_profile)
        .collect()
}

/// Deletes the account, and its password from the keychain unless another account of this
/// database logs in the same way; its attempts stay in the log without it. (Another database
/// using the same login loses the stored password too and asks for it again.)
pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let p = get(db, id).await?;
    sqlx::query("DELETE FROM smtp_profiles WHERE id = ?")
        .bind(id)
        .execute(db.pool())
        .await?;
    let shared: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM smtp_profiles WHERE username = ? AND host = ? AND port = ?",
    )
    .bind(&p.draft.username)
    .bind(&p.draft.host)
    .bind(p.draft.port as i64)
    .fetch_one(db.pool())
    .await?;
    if p.draft.username.is_none() || shared > 0 {
        return Ok(());
    }
    let name = p.draft.name.clone();
    tokio::task::spawn_blocking(move || secret::delete(&p))
        .await
        .map_err(|e| Error::Internal(format!("the keychain call failed: {e}")))?
        .map_err(|e| {
            Error::Conflict(format!(
                "the account '{name}' is deleted, but its password could not be removed from the keychain: {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_recognised() {
        for h in ["localhost", "127.0.0.1", "127.4.5.6", "::1", "[::1]"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["smtp.example.org", "10.0.0.1", "localhost.example.org"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn unencrypted_only_to_loopback_and_never_with_a_password() {
        let mut d = ProfileDraft::new("x", "smtp.example.org", 25, Security::None, "a@example.org");
        assert!(
            check(&d)
                .unwrap_err()
                .to_string()
                .contains("only allowed to this machine")
        );
        d.host = "127.0.0.1".into();
        check(&d).unwrap();
        d.username = Some("anna".into());
        assert!(
            check(&d)
                .unwrap_err()
                .to_string()
                .contains("never sent over an unencrypted")
        );
    }
}
