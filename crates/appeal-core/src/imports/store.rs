//! Writing accepted rows in batches inside the import's transaction, on the bulk connection
//! (`db::Bulk`): plain SQLite calls on a blocking thread, with statements prepared once.
//!
//! New people get ids handed out here (the transaction holds the write lock), so people go
//! in as multi-row INSERTs and their search entries in one statement per batch.
//! A row whose key is already stored — by an earlier import or earlier in this file — is
//! merged into that person by the chosen policy; what it overwrites on a person who was
//! there before is kept in `import_changes`, so the import can be undone.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, ToSql};

use super::OnExisting;
use super::row::{Draft, merge};
use crate::db::value_rows;
use crate::error::Result;
use crate::signatories::SignatoryFields;
use crate::signatories::query::{
    FIELD_COLUMNS, SEARCH_DELETE, SEARCH_INDEX, UPDATE_FIELDS, fields_from_bulk_row,
};

/// Rows per INSERT statement: the statement is prepared once for a full chunk and reused.
const CHUNK: usize = 100;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub imported: i64,
    pub updated: i64,
    pub duplicates: i64,
}

pub(crate) struct Writer {
    import_id: i64,
    petition_id: Option<i64>,
    policy: OnExisting,
    source: String,
    first_new_id: i64,
    next_id: i64,
    now: String,
    pub counts: Counts,
}

struct Signing {
    signatory_id: i64,
    signed_at: Option<String>,
    comment: Option<String>,
}

impl Writer {
    pub fn new(
        conn: &Connection,
        import_id: i64,
        petition_id: Option<i64>,
        policy: OnExisting,
        source: String,
        now: String,
    ) -> Result<Writer> {
        let max: Option<i64> =
            conn.query_row("SELECT MAX(id) FROM signatories", [], |r| r.get(0))?;
        let first = max.unwrap_or(0) + 1;
        Ok(Writer {
            import_id,
            petition_id,
            policy,
            source,
            first_new_id: first,
            next_id: first,
            now,
            counts: Counts::default(),
        })
    }

    pub fn import_id(&self) -> i64 {
        self.import_id
    }

    pub fn write_batch(&mut self, conn: &Connection, batch: Vec<Draft>) -> Result<()> {
        // Duplicates inside the batch are merged first, in file order.
        let mut uniques: Vec<Draft> = Vec::with_capacity(batch.len());
        let mut by_key: HashMap<String, usize> = HashMap::with_capacity(batch.len());
        for d in batch {
            match d.key.as_ref().and_then(|k| by_key.get(k)) {
                Some(&i) => {
                    let u = &mut uniques[i];
                    u.fields = merge(&u.fields, &d.fields, self.policy);
                    self.counts.duplicates += 1;
                }
                None => {
                    if let Some(k) = &d.key {
                        by_key.insert(k.clone(), uniques.len());
                    }
                    uniques.push(d);
                }
            }
        }
        let existing = lookup(conn, by_key.keys())?;
        let mut new_people: Vec<(i64, Draft)> = Vec::new();
        let mut signings: Vec<Signing> = Vec::with_capacity(uniques.len());
        for mut d in uniques {
            let found = d.key.as_ref().and_then(|k| existing.get(k));
            let id = match found {
                Some((id, old)) => {
                    self.merge_into(conn, *id, d.key.as_deref(), old, &d.fields)?;
                    *id
                }
                None => {
                    let id = self.next_id;
                    self.next_id += 1;
                    self.counts.imported += 1;
                    id
                }
            };
            signings.push(Signing {
                signatory_id: id,
                signed_at: d.signed_at.take(),
                comment: d.comment.take(),
            });
            if found.is_none() {
                new_people.push((id, d));
            }
        }
        let new_ids = new_people
            .first()
            .map(|(id, _)| *id)
            .zip(new_people.last().map(|(id, _)| *id));
        let mut people = new_people.into_iter();
        loop {
            let chunk: Vec<(i64, Draft)> = people.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            self.insert_people(conn, chunk)?;
        }
        if let Some((first, last)) = new_ids {
            // New people have consecutive ids; index them in one statement, no values copied.
            conn.prepare_cached(SEARCH_INDEX)?.execute([first, last])?;
        }
        if self.petition_id.is_some() {
            for chunk in signings.chunks(CHUNK) {
                self.insert_signatures(conn, chunk)?;
            }
        }
        Ok(())
    }

    fn merge_into(
        &mut self,
        conn: &Connection,
        id: i64,
        key: Option<&str>,
        old: &SignatoryFields,
        incoming: &SignatoryFields,
    ) -> Result<()> {
        let merged = merge(old, incoming, self.policy);
        let was_there_before = id < self.first_new_id;
        if merged == *old {
            self.counts.duplicates += 1;
            return Ok(());
        }
        if was_there_before {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO import_changes (import_id, signatory_id, previous) VALUES (?, ?, ?)",
            )?
            .execute(rusqlite::params![
                self.import_id,
                id,
                serde_json::to_string(old).expect("fields serialise")
            ])?;
            self.counts.updated += 1;
        } else {
            self.counts.duplicates += 1;
        }
        let f = &merged;
        conn.prepare_cached(UPDATE_FIELDS)?
            .execute(rusqlite::params![
                key,
                f.first_name,
                f.last_name,
                f.email,
                f.phone,
                f.street,
                f.postcode,
                f.town,
                f.country,
                f.language,
                f.consent,
                f.consent_at,
                f.consent_source,
                f.subscription.as_str(),
                serde_json::to_string(&f.tags).expect("strings serialise"),
                serde_json::to_string(&f.custom).expect("strings serialise"),
                self.now,
                id,
            ])?;
        conn.prepare_cached(SEARCH_DELETE)?.execute([id])?;
        conn.prepare_cached(SEARCH_INDEX)?.execute([id, id])?;
        Ok(())
    }

    fn insert_people(&self, conn: &Connection, people: Vec<(i64, Draft)>) -> Result<()> {
        let mut insert = conn.prepare_cached(&format!(
            "INSERT INTO signatories (id, dedupe_key, {FIELD_COLUMNS}, import_id, created_at, updated_at) VALUES {}",
            value_rows(people.len(), 20)
        ))?;
        let mut n = 0;
        let mut bind = |v: &dyn ToSql| {
            n += 1;
            insert.raw_bind_parameter(n, v)
        };
        for (id, d) in &people {
            let f = &d.fields;
            bind(id)?;
            bind(&d.key)?;
            bind(&f.first_name)?;
            bind(&f.last_name)?;
            bind(&f.email)?;
            bind(&f.phone)?;
            bind(&f.street)?;
            bind(&f.postcode)?;
            bind(&f.town)?;
            bind(&f.country)?;
            bind(&f.language)?;
            bind(&f.consent)?;
            bind(&f.consent_at)?;
            bind(&f.consent_source)?;
            bind(&f.subscription.as_str())?;
            bind(&serde_json::to_string(&f.tags).expect("strings serialise"))?;
            bind(&serde_json::to_string(&f.custom).expect("strings serialise"))?;
            bind(&self.import_id)?;
            bind(&self.now)?;
            bind(&self.now)?;
        }
        insert.raw_execute()?;
        Ok(())
    }

    fn insert_signatures(&self, conn: &Connection, rows: &[Signing]) -> Result<()> {
        // Three values a row; what every row shares (the petition, the file, the time) comes
        // from the import's own row.
        let values = value_rows(rows.len(), 3);
        let mut insert = conn.prepare_cached(&format!(
            "INSERT OR IGNORE INTO signatures (signatory_id, petition_id, signed_at, source, comment, import_id, created_at)
             SELECT v.column1, i.petition_id, v.column2, ?, v.column3, i.id, ?
             FROM (VALUES {values}) AS v JOIN imports i ON i.id = ?"
        ))?;
        let mut n = 0;
        let mut bind = |v: &dyn ToSql| {
            n += 1;
            insert.raw_bind_parameter(n, v)
        };
        bind(&self.source)?;
        bind(&self.now)?;
        for s in rows {
            bind(&s.signatory_id)?;
            bind(&s.signed_at)?;
            bind(&s.comment)?;
        }
        bind(&self.import_id)?;
        insert.raw_execute()?;
        Ok(())
    }
}

/// The people already stored under these keys, with their fields.
fn lookup<'k>(
    conn: &Connection,
    keys: impl Iterator<Item = &'k String>,
) -> Result<HashMap<String, (i64, SignatoryFields)>> {
    let mut find = conn.prepare_cached(&format!(
        "SELECT id, {FIELD_COLUMNS} FROM signatories WHERE dedupe_key = ?"
    ))?;
    let mut found = HashMap::new();
    for key in keys {
        let row = find
            .query_row([key], |r| Ok((r.get(0)?, fields_from_bulk_row(r, 1)?)))
            .optional()?;
        if let Some(row) = row {
            found.insert(key.clone(), row);
        }
    }
    Ok(found)
}
