//! Mailings: a template applied to an audience — signatories of a campaign or petition, its
//! targets, or one letter from each signatory to each target — merged into the outbox.

mod audience;
pub mod consent;
pub mod handover;
pub mod letters;
mod merge;
pub mod messages;
pub(crate) mod mime;
pub(crate) mod names;
pub(crate) mod unsubscribe;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

pub use audience::{
    AudienceCheck, AudienceProblem, Recipient, check, preview_recipients, render_preview,
};
pub use consent::{ConsentCounts, LeftOut, LeftOutReason, consent_counts};
pub use merge::{MergeProgress, MergeReport, merge};

use crate::db::Db;
use crate::email::is_valid_email;
use crate::error::{Error, Result};

#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum AudienceKind {
    /// Each chosen signatory gets the letter.
    Signatories,
    /// Each target of the campaign gets the letter, from the group.
    Targets,
    /// Each target gets one letter on behalf of each signatory: From is the group's address
    /// with the signatory's name, Reply-To the signatory.
    SignatoriesToTargets,
}

impl AudienceKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn parse(s: &str) -> Result<AudienceKind> {
        crate::db::stored("a mailing with the audience", s)
    }
}

/// Whose say-so letters *to* supporters need. Letters a signatory sends to a target through the
/// app are that signatory's own act, under the petition's terms, so this does not apply to
/// them (the check says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Consent {
    /// Only people whose consent to be contacted is yes: the default.
    #[default]
    Given,
    /// Also people whose consent is not known (most platform exports do not say).
    GivenOrUnknown,
    /// Everyone, also people who said no: widened by the organiser on purpose.
    Everyone,
}

impl Consent {
    /// As the audience query takes it: how much consent a person needs.
    pub(crate) fn level(self) -> i64 {
        match self {
            Consent::Everyone => 0,
            Consent::GivenOrUnknown => 1,
            Consent::Given => 2,
        }
    }
}

/// A stored filter. Mailings made before consent had three choices stored `consent_only`:
/// true was "given"; false reached everyone, and still does, so that merging such a mailing
/// again reaches the people it reached before.
fn stored_filter(text: &str) -> Result<AudienceFilter> {
    let what = "a mailing's audience filter";
    let mut value: serde_json::Value = crate::db::stored_json(text, what)?;
    if let Some(map) = value.as_object_mut()
        && !map.contains_key("consent")
        && let Some(old) = map.remove("consent_only")
    {
        let consent = if old.as_bool() == Some(true) {
            "given"
        } else {
            "everyone"
        };
        map.insert("consent".into(), consent.into());
    }
    serde_json::from_value(value)
        .map_err(|e| crate::Error::Damaged(format!("{what} that is not readable JSON ({e})")))
}

/// Which signatories a mailing reaches (ignored for a targets-only audience).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AudienceFilter {
    pub petition_id: Option<i64>,
    /// Whose consent letters to supporters need.
    #[serde(default)]
    pub consent: Consent,
    pub tag: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MailingDraft {
    pub campaign_id: i64,
    pub template_id: i64,
    pub name: String,
    pub audience: AudienceKind,
    pub filter: AudienceFilter,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    /// The group's unsubscribe page (https), for letters to supporters: carried as a
    /// one-click `List-Unsubscribe` beside the mailto.
    #[serde(default)]
    #[ts(optional)]
    pub unsubscribe_url: Option<String>,
}

#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MailingState {
    Draft,
    Merged,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Mailing {
    pub id: i64,
    pub campaign_id: i64,
    pub template_id: i64,
    pub name: String,
    pub audience: AudienceKind,
    pub filter: AudienceFilter,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    pub unsubscribe_url: Option<String>,
    pub state: MailingState,
    pub message_count: i64,
    pub created_at: String,
}

const SELECT: &str = "SELECT m.*, (SELECT COUNT(*) FROM messages x WHERE x.mailing_id = m.id) AS message_count FROM mailings m";

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Mailing> {
    let filter: String = row.try_get("filter")?;
    let audience: String = row.try_get("audience")?;
    let state: String = row.try_get("state")?;
    Ok(Mailing {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        template_id: row.try_get("template_id")?,
        name: row.try_get("name")?,
        audience: AudienceKind::parse(&audience)?,
        filter: stored_filter(&filter)?,
        from_name: row.try_get("from_name")?,
        from_address: row.try_get("from_address")?,
        reply_to: row.try_get("reply_to")?,
        unsubscribe_url: row.try_get("unsubscribe_url")?,
        state: crate::db::stored("a mailing in the state", &state)?,
        message_count: row.try_get("message_count")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn list(db: &Db, campaign_id: i64) -> Result<Vec<Mailing>> {
    let sql = format!("{SELECT} WHERE m.campaign_id = ? ORDER BY m.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(campaign_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Mailing> {
    let sql = format!("{SELECT} WHERE m.id = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no mailing with id {id}")))?;
    from_row(&row)
}

pub async fn create(db: &Db, d: &MailingDraft) -> Result<Mailing> {
    let template = crate::templates::get(db, d.template_id).await?;
    if template.campaign_id != d.campaign_id {
        return Err(Error::InvalidInput(
            "the template belongs to another campaign".into(),
        ));
    }
    if d.name.trim().is_empty() {
        return Err(Error::InvalidInput("a mailing needs a name".into()));
    }
    if d.from_name.trim().is_empty() || d.from_name.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "the sender's name must be one non-empty line".into(),
        ));
    }
    for (label, addr) in [
        ("sender's address", Some(&d.from_address)),
        ("reply-to address", d.reply_to.as_ref()),
    ] {
        if let Some(a) = addr
            && !is_valid_email(a.trim())
        {
            return Err(Error::InvalidInput(format!(
                "the {label} '{a}' is not an email address"
            )));
        }
    }
    let unsubscribe_url = match d.unsubscribe_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) if d.audience != AudienceKind::Signatories => {
            return Err(Error::InvalidInput(
                "an unsubscribe page is for letters to supporters; letters to targets carry none"
                    .into(),
            ));
        }
        Some(page) => Some(unsubscribe::check_page(page).map_err(Error::InvalidInput)?),
    };
    if let Some(p) = d.filter.petition_id {
        let petition = crate::campaigns::get_petition(db, p).await?;
        if petition.campaign_id != d.campaign_id {
            return Err(Error::InvalidInput(
                "the petition belongs to another campaign".into(),
            ));
        }
    }
    let id = sqlx::query(
        "INSERT INTO mailings (campaign_id, template_id, name, audience, filter, from_name, from_address, reply_to, unsubscribe_url, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(d.campaign_id)
    .bind(d.template_id)
    .bind(d.name.trim())
    .bind(d.audience.as_str())
    .bind(serde_json::to_string(&d.filter).expect("filter serialises"))
    .bind(d.from_name.trim())
    .bind(d.from_address.trim())
    .bind(d.reply_to.as_deref().map(str::trim).filter(|r| !r.is_empty()))
    .bind(&unsubscribe_url)
    .bind(db.now())
    .execute(db.pool())
    .await?
    .last_insert_rowid();
    // The consent rule is stored with the filter; it is logged too, as a widening is a choice
    // someone made.
    if d.audience == AudienceKind::Signatories {
        tracing::info!(
            mailing = id,
            consent = ?d.filter.consent,
            "a mailing to supporters was created"
        );
    }
    get(db, id).await
}

pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM mailings WHERE id = ?")
        .bind(id)
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!("there is no mailing with id {id}")));
    }
    Ok(())
}
