//! Shared by the core's integration tests: a fresh database file and the fixtures.

#![allow(dead_code)]

use std::path::PathBuf;

use appeal_core::campaigns;
use appeal_core::imports::{self, ImportOptions, ImportReport};
use appeal_core::progress::Silent;
use appeal_core::signatories::{self, SignatoryPage, SignatoryQuery};
use appeal_core::{Clock, Db};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

pub struct TestDb {
    pub db: Db,
    pub dir: tempfile::TempDir,
    pub petition: i64,
}

/// The instant every test database's clock starts at: tests never read the machine's date.
pub const TEST_NOW: time::OffsetDateTime = time::macros::datetime!(2026-11-23 09:30 UTC);

/// A new database file with one campaign and one petition, its clock at [`TEST_NOW`].
pub async fn fresh() -> TestDb {
    fresh_at(TEST_NOW).await
}

/// The same, its clock starting at `now`. Encrypted, as every new database is.
pub async fn fresh_at(now: time::OffsetDateTime) -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_encrypted(
        dir.path().join("test.db"),
        appeal_core::vault::DataKey::random(),
    )
    .await
    .unwrap();
    filled(db.with_clock(Clock::starting_at(now)), dir).await
}

/// A plaintext database, as every one was before encryption: for the tests that search the
/// file's bytes for what erasure must have overwritten (in an encrypted file every byte is
/// ciphertext, so such a test could not fail).
pub async fn fresh_plaintext() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("test.db")).await.unwrap();
    filled(db.with_clock(Clock::starting_at(TEST_NOW)), dir).await
}

async fn filled(db: Db, dir: tempfile::TempDir) -> TestDb {
    let c = campaigns::create_campaign(&db, "Free N.").await.unwrap();
    let p = campaigns::create_petition(&db, c.id, "Open letter")
        .await
        .unwrap();
    TestDb {
        db,
        dir,
        petition: p.id,
    }
}

/// SQLCipher frees its memory when the process exits. A connection that a dropped pool is
/// still closing on its worker thread then crashes the test binary after every test has
/// passed. Closing the pool here could wait forever for a connection a test still holds, so
/// the test's pool is kept open instead, until the process ends.
impl Drop for TestDb {
    fn drop(&mut self) {
        std::mem::forget(self.db.clone());
    }
}

impl TestDb {
    pub fn opts(&self) -> ImportOptions {
        ImportOptions {
            petition_id: Some(self.petition),
            ..Default::default()
        }
    }

    pub async fn import(&self, name: &str) -> ImportReport {
        imports::run(&self.db, &fixture(name), &self.opts(), &Silent)
            .await
            .unwrap()
    }

    pub async fn import_with(&self, name: &str, opts: &ImportOptions) -> ImportReport {
        imports::run(&self.db, &fixture(name), opts, &Silent)
            .await
            .unwrap()
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    /// What the signatories table's search box finds for `words` (the first 50 rows).
    pub async fn search(&self, words: &str) -> SignatoryPage {
        let q = SignatoryQuery {
            search: Some(words.into()),
            limit: 50,
            ..Default::default()
        };
        signatories::list(&self.db, &q).await.unwrap()
    }

    pub async fn people(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM signatories").await
    }

    /// The stored value of one column for the person with this (normalised) address.
    pub async fn field(&self, email: &str, column: &str) -> Option<String> {
        let sql = format!("SELECT CAST({column} AS TEXT) FROM signatories WHERE dedupe_key = ?");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(format!("e:{email}"))
            .fetch_optional(self.db.pool())
            .await
            .unwrap()
            .flatten()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}
