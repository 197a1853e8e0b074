//! Campaigns (one cause each) and the petitions they own.

use serde::Serialize;
use sqlx::FromRow;
use ts_rs::TS;

use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[ts(export)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub petition_count: i64,
}

#[derive(Debug, Clone, Serialize, FromRow, TS)]
#[ts(export)]
pub struct Petition {
    pub id: i64,
    pub campaign_id: i64,
    pub title: String,
    pub created_at: String,
    pub signature_count: i64,
}

fn clean_name(what: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidInput(format!("a {what} needs a name")));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "a {what} name must be one line of at most 200 characters"
        )));
    }
    Ok(name.to_string())
}

pub async fn create_campaign(db: &Db, name: &str) -> Result<Campaign> {
    let name = clean_name("campaign", name)?;
    let id = sqlx::query("INSERT INTO campaigns (name, created_at) VALUES (?, ?)")
        .bind(&name)
        .bind(db.now())
        .execute(db.pool())
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                Error::Conflict(format!("there is already a campaign called \"{name}\""))
            }
            other => other.into(),
        })?
        .last_insert_rowid();
    get_campaign(db, id).await
}

pub async fn list_campaigns(db: &Db) -> Result<Vec<Campaign>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.name, c.created_at,
                (SELECT COUNT(*) FROM petitions p WHERE p.campaign_id = c.id) AS petition_count
         FROM campaigns c ORDER BY c.name",
    )
    .fetch_all(db.pool())
    .await?)
}

pub async fn get_campaign(db: &Db, id: i64) -> Result<Campaign> {
    sqlx::query_as(
        "SELECT c.id, c.name, c.created_at,
                (SELECT COUNT(*) FROM petitions p WHERE p.campaign_id = c.id) AS petition_count
         FROM campaigns c WHERE c.id = ?",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| Error::NotFound(format!("there is no campaign with id {id}")))
}

/// Finds a campaign by id or exact name, as a person types it on the command line.
pub async fn find_campaign(db: &Db, id_or_name: &str) -> Result<Campaign> {
    if let Ok(id) = id_or_name.parse::<i64>() {
        return get_campaign(db, id).await;
    }
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM campaigns WHERE name = ?")
        .bind(id_or_name.trim())
        .fetch_optional(db.pool())
        .await?;
    match id {
        Some(id) => get_campaign(db, id).await,
        None => Err(Error::NotFound(format!(
            "there is no campaign called \"{id_or_name}\" (see `appeal campaign list`)"
        ))),
    }
}

pub async fn create_petition(db: &Db, campaign_id: i64, title: &str) -> Result<Petition> {
    let title = clean_name("petition", title)?;
    get_campaign(db, campaign_id).await?;
    let id = sqlx::query("INSERT INTO petitions (campaign_id, title, created_at) VALUES (?, ?, ?)")
        .bind(campaign_id)
        .bind(&title)
        .bind(db.now())
        .execute(db.pool())
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::Conflict(format!(
                "this campaign already has a petition called \"{title}\""
            )),
            other => other.into(),
        })?
        .last_insert_rowid();
    get_petition(db, id).await
}

const PETITION_SELECT: &str = "SELECT p.id, p.campaign_id, p.title, p.created_at,
        (SELECT COUNT(*) FROM signatures s WHERE s.petition_id = p.id) AS signature_count
     FROM petitions p";

pub async fn list_petitions(db: &Db, campaign_id: Option<i64>) -> Result<Vec<Petition>> {
    let sql = format!("{PETITION_SELECT} WHERE ?1 IS NULL OR p.campaign_id = ?1 ORDER BY p.title");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(campaign_id)
        .fetch_all(db.pool())
        .await?)
}

pub async fn get_petition(db: &Db, id: i64) -> Result<Petition> {
    let sql = format!("{PETITION_SELECT} WHERE p.id = ?");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no petition with id {id}")))
}

/// Finds a petition by id or exact title (titles repeat across campaigns: then the id is needed).
pub async fn find_petition(db: &Db, id_or_title: &str) -> Result<Petition> {
    if let Ok(id) = id_or_title.parse::<i64>() {
        return get_petition(db, id).await;
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM petitions WHERE title = ?")
        .bind(id_or_title.trim())
        .fetch_all(db.pool())
        .await?;
    match ids.as_slice() {
        [id] => get_petition(db, *id).await,
        [] => Err(Error::NotFound(format!(
            "there is no petition called \"{id_or_title}\" (see `appeal petition list`)"
        ))),
        _ => Err(Error::InvalidInput(format!(
            "{} petitions are called \"{id_or_title}\"; give the id instead (see `appeal petition list`)",
            ids.len()
        ))),
    }
}
