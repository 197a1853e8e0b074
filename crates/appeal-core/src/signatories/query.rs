//! Reading and changing stored signatories, and keeping the search index in step.

use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};

use super::{
    Signatory, SignatoryFields, SignatoryPage, SignatoryQuery, SignatoryRow, Subscription,
};
use crate::db::Db;
use crate::error::{Error, Result};

pub(crate) const FIELD_COLUMNS: &str = "first_name, last_name, email, phone, street, postcode, town, country, \
     language, consent, consent_at, consent_source, subscription, tags, custom";

pub(crate) fn fields_from_row(row: &SqliteRow) -> Result<SignatoryFields> {
    let tags: String = row.try_get("tags")?;
    let custom: String = row.try_get("custom")?;
    let subscription: String = row.try_get("subscription")?;
    Ok(SignatoryFields {
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        street: row.try_get("street")?,
        postcode: row.try_get("postcode")?,
        town: row.try_get("town")?,
        country: row.try_get("country")?,
        language: row.try_get("language")?,
        consent: row.try_get("consent")?,
        consent_at: row.try_get("consent_at")?,
        consent_source: row.try_get("consent_source")?,
        subscription: Subscription::parse(&subscription)?,
        tags: crate::db::stored_json(&tags, "a person's tags")?,
        custom: crate::db::stored_json(&custom, "a person's custom fields")?,
    })
}

/// A person's fields from a bulk-connection row whose columns, from `first`, are
/// [`FIELD_COLUMNS`] in order. Unreadable tags or custom fields are the same `damaged` error
/// as in [`fields_from_row`]: an import merging into this person, or a merge writing to
/// them, must not take them as empty.
pub(crate) fn fields_from_bulk_row(
    row: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<SignatoryFields> {
    let text = |i: usize| row.get::<_, Option<String>>(first + i);
    let tags = crate::db::text(row, first + 13)?;
    let custom = crate::db::text(row, first + 14)?;
    Ok(SignatoryFields {
        first_name: text(0)?,
        last_name: text(1)?,
        email: text(2)?,
        phone: text(3)?,
        street: text(4)?,
        postcode: text(5)?,
        town: text(6)?,
        country: text(7)?,
        language: text(8)?,
        consent: row.get(first + 9)?,
        consent_at: text(10)?,
        consent_source: text(11)?,
        subscription: Subscription::parse(crate::db::text(row, first + 12)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                first + 12,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        })?,
        tags: json(tags, first + 13, "a person's tags")?,
        custom: json(custom, first + 14, "a person's custom fields")?,
    })
}

/// [`crate::db::stored_json`] inside a rusqlite row mapping; the error converts back.
fn json<T: serde::de::DeserializeOwned>(
    text: &str,
    column: usize,
    what: &str,
) -> rusqlite::Result<T> {
    crate::db::stored_json(text, what).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The words of a search box turned into an FTS5 query: every word must start a word of the
/// name, address or town. Quotes keep FTS syntax in the input from meaning anything.
fn match_expression(search: &str) -> Option<String> {
    let words: Vec<String> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub async fn list(db: &Db, q: &SignatoryQuery) -> Result<SignatoryPage> {
    let limit = q.limit.clamp(1, 1000);
    let offset = q.offset.max(0);
    let search = q.search.as_deref().map(str::trim).unwrap_or("");
    // Something typed with an @ is an address: its prefix is looked up in the unique index of
    // addresses, which is exact and far cheaper than intersecting "example" and "org".
    let address = (search.contains('@') && !search.contains(char::is_whitespace))
        .then(|| format!("e:{}", crate::email::normalise_email(search)));
    let matcher = if address.is_some() {
        None
    } else {
        match_expression(search)
    };
    // Each filter is added only when used: an `?1 IS NULL OR ...` form would make SQLite scan
    // every row instead of walking the search index.
    let mut filters = Vec::new();
    if address.is_some() {
        filters.push("dedupe_key >= ? AND dedupe_key < ?");
    }
    if matcher.is_some() {
        filters.push("id IN (SELECT rowid FROM signatory_search WHERE signatory_search MATCH ?)");
    }
    if q.petition_id.is_some() {
        filters.push("id IN (SELECT signatory_id FROM signatures WHERE petition_id = ?)");
    }
    let filter = if filters.is_empty() {
        "1".to_string()
    } else {
        filters.join(" AND ")
    };
    let count_sql = if filters.is_empty() {
        // Plain COUNT(*) lets SQLite count the smallest index; any WHERE makes it scan rows.
        "SELECT COUNT(*) FROM signatories".to_string()
    } else if matcher.is_some() && filters.len() == 1 {
        // The search index holds exactly the stored people, so a search alone is counted there.
        "SELECT COUNT(*) FROM signatory_search WHERE signatory_search MATCH ?".to_string()
    } else {
        format!("SELECT COUNT(*) FROM signatories WHERE {filter}")
    };
    let mut count = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql));
    let page_sql = if filters.is_empty() {
        // Skip to the offset in the narrow id index, then read only the rows shown.
        "SELECT id, first_name, last_name, email, town, country, created_at FROM signatories
         WHERE id >= (SELECT id FROM signatories INDEXED BY signatories_by_id ORDER BY id LIMIT 1 OFFSET ?2)
         ORDER BY id LIMIT ?1"
            .to_string()
    } else {
        format!(
            "SELECT id, first_name, last_name, email, town, country, created_at
             FROM signatories WHERE {filter} ORDER BY id LIMIT ? OFFSET ?"
        )
    };
    let mut page = sqlx::query_as(sqlx::AssertSqlSafe(page_sql));
    if let Some(prefix) = &address {
        let end = format!("{prefix}\u{10ffff}");
        count = count.bind(prefix.clone()).bind(end.clone());
        page = page.bind(prefix.clone()).bind(end);
    }
    if let Some(m) = &matcher {
        count = count.bind(m.clone());
        page = page.bind(m.clone());
    }
    if let Some(p) = q.petition_id {
        count = count.bind(p);
        page = page.bind(p);
    }
    let total: i64 = count.fetch_one(db.pool()).await?;
    let rows: Vec<SignatoryRow> = page.bind(limit).bind(offset).fetch_all(db.pool()).await?;
    Ok(SignatoryPage { total, rows })
}

pub async fn get(db: &Db, id: i64) -> Result<Signatory> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, {FIELD_COLUMNS}, created_at, updated_at FROM signatories WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| Error::NotFound(format!("there is no signatory with id {id}")))?;
    let petitions: Vec<String> = sqlx::query_scalar(
        "SELECT p.title FROM signatures s JOIN petitions p ON p.id = s.petition_id
         WHERE s.signatory_id = ? ORDER BY p.title",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(Signatory {
        id,
        fields: fields_from_row(&row)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        petitions,
    })
}

/// Replaces a person's fields after checking them with the same rules as an import.
pub async fn update(db: &Db, id: i64, fields: &SignatoryFields) -> Result<Signatory> {
    let mut fields = fields.clone();
    super::fold_line_breaks(&mut fields);
    let fields = super::super::imports::tidy(fields);
    super::check(&fields).map_err(Error::InvalidInput)?;
    let mut tx = db.pool().begin().await?;
    let key = super::dedupe_key(&fields);
    let other: Option<i64> =
        sqlx::query_scalar("SELECT id FROM signatories WHERE dedupe_key = ? AND id <> ?")
            .bind(&key)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(other) = other {
        return Err(Error::Conflict(format!(
            "signatory {other} already has this address (or name and postcode); merge by editing that one instead"
        )));
    }
    let done = write_fields(&mut tx, id, key.as_deref(), &fields, &db.now()).await?;
    if done == 0 {
        return Err(Error::NotFound(format!(
            "there is no signatory with id {id}"
        )));
    }
    tx.commit().await?;
    get(db, id).await
}

/// A person's fields replaced: the key, the fifteen fields in [`FIELD_COLUMNS`] order, the
/// time, then the id.
pub(crate) const UPDATE_FIELDS: &str =
    "UPDATE signatories SET dedupe_key = ?, first_name = ?, last_name = ?, email = ?, phone = ?,
        street = ?, postcode = ?, town = ?, country = ?, language = ?, consent = ?, consent_at = ?,
        consent_source = ?, subscription = ?, tags = ?, custom = ?, updated_at = ?
     WHERE id = ?";
/// A person's search entry, removed when they go or their fields change.
pub(crate) const SEARCH_DELETE: &str = "DELETE FROM signatory_search WHERE rowid = ?";
/// The search entries of the stored people with ids from `?1` to `?2`: name (first and last),
/// address and town, made from their rows. The one definition of what search looks at: an
/// import indexes its new people with it, an edit one person (`?1` = `?2`).
pub(crate) const SEARCH_INDEX: &str = "INSERT INTO signatory_search (rowid, name, email, town)
     SELECT id, coalesce(first_name, '') || ' ' || coalesce(last_name, ''), coalesce(email, ''),
            coalesce(town, '')
     FROM signatories WHERE id BETWEEN ?1 AND ?2";

/// Writes all fields of an existing person and re-indexes them; returns rows changed.
pub(crate) async fn write_fields(
    conn: &mut SqliteConnection,
    id: i64,
    key: Option<&str>,
    f: &SignatoryFields,
    now: &str,
) -> Result<u64> {
    let done = sqlx::query(UPDATE_FIELDS)
        .bind(key)
        .bind(&f.first_name)
        .bind(&f.last_name)
        .bind(&f.email)
        .bind(&f.phone)
        .bind(&f.street)
        .bind(&f.postcode)
        .bind(&f.town)
        .bind(&f.country)
        .bind(&f.language)
        .bind(f.consent)
        .bind(&f.consent_at)
        .bind(&f.consent_source)
        .bind(f.subscription.as_str())
        .bind(serde_json::to_string(&f.tags).expect("strings serialise"))
        .bind(serde_json::to_string(&f.custom).expect("strings serialise"))
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if done > 0 {
        sqlx::query(SEARCH_DELETE)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(SEARCH_INDEX)
            .bind(id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(done)
}

/// Removes a person and their signatures (not their traces in import history: see `erase`).
pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query("DELETE FROM signatories WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(Error::NotFound(format!(
            "there is no signatory with id {id}"
        )));
    }
    sqlx::query(SEARCH_DELETE)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
