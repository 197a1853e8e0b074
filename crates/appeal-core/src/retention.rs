//! Retention: a campaign may keep its supporters only for so long after their last activity.
//!
//! Off by default. With a period set (say 24 months), a supporter whose latest signature or
//! consent is older than that, and who has no newer activity in any campaign, is due for
//! purging. Purging erases them as erasure does: every row about them goes, and a salted hash
//! stays on the suppression list so a later import does not bring them back.

use serde::Serialize;
use ts_rs::TS;

use crate::db::Db;
use crate::error::{Error, Result};

/// A campaign's retention, and how many of its supporters are due.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CampaignRetention {
    pub campaign_id: i64,
    pub campaign: String,
    /// `None`: kept until erased by hand.
    pub months: Option<i64>,
    /// Supporters of this campaign due for purging under its period.
    pub due: i64,
}

/// A supporter due for purging: who, their latest activity, and which campaign's period.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[ts(export)]
pub struct DueSupporter {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    /// Their latest signature or consent, anywhere.
    pub last_activity: String,
    pub campaign: String,
}

/// What a purge did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PurgeReport {
    pub dry_run: bool,
    pub people: i64,
    pub signatures: i64,
    pub messages: i64,
    /// Hashes now on the suppression list.
    pub suppressed: i64,
}

pub async fn set(db: &Db, campaign_id: i64, months: Option<i64>) -> Result<()> {
    if let Some(m) = months
        && !(1..=1200).contains(&m)
    {
        return Err(Error::InvalidInput(
            "a retention period is between 1 and 1200 months".into(),
        ));
    }
    let done = sqlx::query("UPDATE campaigns SET retention_months = ? WHERE id = ?")
        .bind(months)
        .bind(campaign_id)
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!(
            "there is no campaign with id {campaign_id}"
        )));
    }
    Ok(())
}

/// Everyone due, each under the campaign whose period ends latest (the shortest one).
const DUE: &str = "
WITH last AS (
    SELECT signatory_id AS sid, MAX(COALESCE(signed_at, created_at)) AS at
    FROM signatures GROUP BY signatory_id
),
cut AS (
    SELECT s.signatory_id AS sid, c.name AS campaign,
           strftime('%Y-%m-%dT%H:%M:%SZ', ?1, '-' || c.retention_months || ' months') AS cutoff
    FROM signatures s
    JOIN petitions p ON p.id = s.petition_id
    JOIN campaigns c ON c.id = p.campaign_id
    WHERE c.retention_months IS NOT NULL
),
latest_cut AS (
    SELECT sid, campaign, MAX(cutoff) AS cutoff FROM cut GROUP BY sid
)
SELECT g.id,
       TRIM(COALESCE(g.first_name, '') || ' ' || COALESCE(g.last_name, '')) AS name,
       g.email,
       MAX(last.at, COALESCE(g.consent_at, '')) AS last_activity,
       latest_cut.campaign
FROM signatories g
JOIN last ON last.sid = g.id
JOIN latest_cut ON latest_cut.sid = g.id
WHERE MAX(last.at, COALESCE(g.consent_at, '')) < latest_cut.cutoff
ORDER BY g.id";

pub async fn due(db: &Db) -> Result<Vec<DueSupporter>> {
    Ok(sqlx::query_as(DUE)
        .bind(db.now())
        .fetch_all(db.pool())
        .await?)
}

pub async fn show(db: &Db) -> Result<Vec<CampaignRetention>> {
    let due = due(db).await?;
    let campaigns: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, name, retention_months FROM campaigns ORDER BY name")
            .fetch_all(db.pool())
            .await?;
    Ok(campaigns
        .into_iter()
        .map(|(id, name, months)| CampaignRetention {
            due: due.iter().filter(|d| d.campaign == name).count() as i64,
            campaign_id: id,
            campaign: name,
            months,
        })
        .collect())
}

/// Erases everyone due. With `dry_run`, counts what it would erase and changes nothing.
pub async fn purge(db: &Db, dry_run: bool) -> Result<PurgeReport> {
    let due = due(db).await?;
    let mut report = PurgeReport {
        dry_run,
        people: due.len() as i64,
        signatures: 0,
        messages: 0,
        suppressed: 0,
    };
    if dry_run {
        for d in &due {
            let (sigs, msgs): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM signatures WHERE signatory_id = ?1),
                        (SELECT COUNT(*) FROM messages WHERE signatory_id = ?1)",
            )
            .bind(d.id)
            .fetch_one(db.pool())
            .await?;
            report.signatures += sigs;
            report.messages += msgs;
        }
        return Ok(report);
    }
    for d in &due {
        let erased = crate::erasure::erase(db, d.id).await?;
        report.signatures += erased.signatures;
        report.messages += erased.messages;
        report.suppressed += i64::from(erased.suppressed);
    }
    Ok(report)
}
