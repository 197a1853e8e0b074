//! Writing accepted rows in batches inside the import's transaction.
//!
//! New people get ids handed out here (the transaction holds the write lock), so people,
//! search entries and signatures go in as multi-row INSERTs without a round trip per row.
//! A row whose key is already stored — by an earlier import or earlier in this file — is
//! merged into that person by the chosen policy; what it overwrites on a person who was
//! there before is kept in `import_changes`, so the import can be undone.

use std::collections::HashMap;

use sqlx::{Row, SqliteConnection};

use super::OnExisting;
use super::row::{Draft, merge};
use crate::db::value_rows;
use crate::error::Result;
use crate::signatories::SignatoryFields;
use crate::signatories::query::{FIELD_COLUMNS, fields_from_row, write_fields};

/// Rows per INSERT statement: 20 parameters a row stays well under SQLite's 32766.
const CHUNK: usize = 500;

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
    pub async fn new(
        conn: &mut SqliteConnection,
        import_id: i64,
        petition_id: Option<i64>,
        policy: OnExisting,
        source: String,
    ) -> Result<Writer> {
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM signatories")
            .fetch_one(&mut *conn)
            .await?;
        let first = max.unwrap_or(0) + 1;
        Ok(Writer {
            import_id,
            petition_id,
            policy,
            source,
            first_new_id: first,
            next_id: first,
            now: crate::time_util::now(),
            counts: Counts::default(),
        })
    }

    pub async fn write_batch(
        &mut self,
        conn: &mut SqliteConnection,
        batch: Vec<Draft>,
    ) -> Result<()> {
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
        let keys: Vec<&String> = by_key.keys().collect();
        let existing = self.lookup(conn, &keys).await?;
        let mut new_people: Vec<(i64, Draft)> = Vec::new();
        let mut signings: Vec<Signing> = Vec::with_capacity(uniques.len());
        for mut d in uniques {
            let found = d.key.as_ref().and_then(|k| existing.get(k));
            let id = match found {
                Some((id, old)) => {
                    self.merge_into(conn, *id, d.key.as_deref(), old, &d.fields)
                        .await?;
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
            self.insert_people(conn, chunk).await?;
        }
        if let Some((first, last)) = new_ids {
            // New people have consecutive ids; index them in one statement, no values copied.
            sqlx::query(
                "INSERT INTO signatory_search (rowid, name, email, town)
                 SELECT id, coalesce(first_name, '') || ' ' || coalesce(last_name, ''), coalesce(email, ''), coalesce(town, '')
                 FROM signatories WHERE id BETWEEN ? AND ?",
            )
            .bind(first)
            .bind(last)
            .execute(&mut *conn)
            .await?;
        }
        if self.petition_id.is_some() {
            for chunk in signings.chunks(CHUNK) {
                self.insert_signatures(conn, chunk).await?;
            }
        }
        Ok(())
    }

    async fn lookup(
        &self,
        conn: &mut SqliteConnection,
        keys: &[&String],
    ) -> Result<HashMap<String, (i64, SignatoryFields)>> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, dedupe_key, {FIELD_COLUMNS} FROM signatories WHERE dedupe_key IN ({})",
                vec!["?"; chunk.len()].join(",")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for k in chunk {
                q = q.bind(k.as_str());
            }
            for row in q.fetch_all(&mut *conn).await? {
                found.insert(
                    row.try_get("dedupe_key")?,
                    (row.try_get("id")?, fields_from_row(&row)?),
                );
            }
        }
        Ok(found)
    }

    async fn merge_into(
        &mut self,
        conn: &mut SqliteConnection,
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
            sqlx::query("INSERT OR IGNORE INTO import_changes (import_id, signatory_id, previous) VALUES (?, ?, ?)")
                .bind(self.import_id)
                .bind(id)
                .bind(serde_json::to_string(old).expect("fields serialise"))
                .execute(&mut *conn)
                .await?;
            self.counts.updated += 1;
        } else {
            self.counts.duplicates += 1;
        }
        write_fields(conn, id, key, &merged).await?;
        Ok(())
    }

    async fn insert_people(
        &self,
        conn: &mut SqliteConnection,
        people: Vec<(i64, Draft)>,
    ) -> Result<()> {
        let sql = format!(
            "INSERT INTO signatories (id, dedupe_key, {FIELD_COLUMNS}, import_id, created_at, updated_at) VALUES {}",
            value_rows(people.len(), 20)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, d) in people {
            let f = d.fields;
            // Values are moved into the statement, not copied.
            q = q
                .bind(id)
                .bind(d.key)
                .bind(f.first_name)
                .bind(f.last_name)
                .bind(f.email)
                .bind(f.phone)
                .bind(f.street)
                .bind(f.postcode)
                .bind(f.town)
                .bind(f.country)
                .bind(f.language)
                .bind(f.consent)
                .bind(f.consent_at)
                .bind(f.consent_source)
                .bind(f.subscription.as_str())
                .bind(if f.tags.is_empty() {
                    "[]".to_string()
                } else {
                    serde_json::to_string(&f.tags).expect("strings serialise")
                })
                .bind(if f.custom.is_empty() {
                    "{}".to_string()
                } else {
                    serde_json::to_string(&f.custom).expect("strings serialise")
                })
                .bind(self.import_id)
                .bind(self.now.clone())
                .bind(self.now.clone());
        }
        q.execute(&mut *conn).await?;
        Ok(())
    }

    async fn insert_signatures(&self, conn: &mut SqliteConnection, rows: &[Signing]) -> Result<()> {
        // Three values a row; what every row shares (the petition, the file, the time) comes
        // from the import's own row. Binding is most of the cost of a row here.
        let values = value_rows(rows.len(), 3);
        let sql = format!(
            "INSERT OR IGNORE INTO signatures (signatory_id, petition_id, signed_at, source, comment, import_id, created_at)
             SELECT v.column1, i.petition_id, v.column2, ?, v.column3, i.id, ?
             FROM (VALUES {values}) AS v JOIN imports i ON i.id = ?"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.source.as_str())
            .bind(self.now.as_str());
        for s in rows {
            q = q
                .bind(s.signatory_id)
                .bind(s.signed_at.as_deref())
                .bind(s.comment.as_deref());
        }
        q.bind(self.import_id).execute(&mut *conn).await?;
        Ok(())
    }
}
