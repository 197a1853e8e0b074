//! Opening the store: one SQLite file in WAL mode with foreign keys on, migrated on open.
//!
//! The default file lives in the OS data directory (XDG on Linux); `--db` / `APPEAL_DB`
//! point elsewhere. A database written by a newer Appeal Desk is refused, not downgraded.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::time_util::Clock;

mod bulk;

pub(crate) use bulk::{Bulk, bytes, raw_connection, sqlite_ready, text};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A handle on one database. Cheap to clone: it is a connection pool.
#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
    path: PathBuf,
    /// Checkpoints left running after big writes (see [`Bulk::commit`]); `close` waits for them.
    checkpoints: Checkpoints,
    /// Where this handle's dates and stored times come from (the machine's by default).
    clock: Clock,
    /// The SQLCipher key every connection opens with; `None` for a plaintext database.
    key: Option<crate::key::DataKey>,
}

type Checkpoints = Arc<Mutex<Vec<std::thread::JoinHandle<()>>>>;

/// Settings every connection has, the pool's and the bulk one's: erasure relies on
/// secure_delete, cascades on foreign_keys, durability on synchronous = FULL.
const PRAGMAS: [(&str, &str); 4] = [
    ("foreign_keys", "ON"),
    ("synchronous", "FULL"),
    ("secure_delete", "ON"),
    ("temp_store", "MEMORY"),
];

/// The database files this process has open, as absolute paths. Closing any descriptor on a
/// file drops every POSIX lock the process holds on it, SQLite's among them: after that,
/// another program on the same database takes itself for the only user and deletes the
/// write-ahead log under this one. So the core never opens these files itself: a list to
/// import, an attachment, a key, or an export's destination that is one of them is refused
/// (see [`refuse_own_files`]). Dialogs run in another process for the same reason.
static OPEN_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The files SQLite keeps beside a database.
const COMPANIONS: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// `path` made absolute with its folder's links resolved, whether or not the file exists.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => std::fs::canonicalize(d).ok()?,
        None => std::env::current_dir().ok()?,
    };
    Some(dir.join(name))
}

/// Refuses a path that is one of the open databases' own files (the database, its `-wal`,
/// `-shm` or `-journal`), before anything opens it: reading or writing it here would drop
/// this process's locks on the database (see [`OPEN_FILES`]), and writing would destroy it.
pub(crate) fn refuse_own_files(path: &Path) -> Result<()> {
    let Some(candidate) = resolved(path) else {
        return Ok(());
    };
    let open = OPEN_FILES.lock().expect("not poisoned");
    let own = open.iter().any(|db| {
        COMPANIONS.iter().any(|suffix| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            candidate.as_os_str() == name
        })
    });
    if own {
        return Err(Error::InvalidInput(format!(
            "{} is one of Appeal Desk's own database files; choose another file",
            path.display()
        )));
    }
    Ok(())
}

/// Whether this process has the database at `path` open (see [`OPEN_FILES`]): then nothing
/// may open the file itself, not even to read its first bytes.
pub(crate) fn is_open(path: &Path) -> bool {
    resolved(path).is_some_and(|p| OPEN_FILES.lock().expect("not poisoned").contains(&p))
}

/// How long a connection waits for another writer (or, checkpointing, for readers).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DbInfo {
    pub path: String,
    pub schema_version: i64,
    pub signatories: i64,
}

impl Db {
    /// Where the database lives unless told otherwise.
    pub fn default_path() -> Result<PathBuf> {
        let dirs = directories::ProjectDirs::from("org", "Appeal Desk", "appeal-desk").ok_or_else(|| {
            Error::InvalidInput(
                "cannot find a home directory for the default database; pass --db FILE or set APPEAL_DB"
                    .into(),
            )
        })?;
        Ok(dirs.data_dir().join("appeal-desk.db"))
    }

    /// Opens (creating if missing) and migrates the database at `path`. The file, and with it
    /// the `-wal` and `-shm` SQLite makes beside it (they take its mode), is readable by its
    /// owner only; folders made for it too.
    ///
    /// This opens a plaintext database, as every one was before encryption. New databases
    /// are made encrypted through [`crate::vault`], which opens them with
    /// [`Db::open_encrypted`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Db> {
        Db::connect(path.as_ref(), None).await
    }

    /// Opens (creating if missing) the database at `path` encrypted with `key`: SQLCipher,
    /// the key given raw as the first statement on every connection. A key that does not
    /// open the file is [`Error::WrongKey`] and changes nothing.
    pub async fn open_encrypted(path: impl AsRef<Path>, key: crate::key::DataKey) -> Result<Db> {
        Db::connect(path.as_ref(), Some(key)).await
    }

    async fn connect(path: &Path, key: Option<crate::key::DataKey>) -> Result<Db> {
        let path = path.to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir(dir)?;
        }
        private_files(&path)?;
        sqlite_ready();
        let mut base = SqliteConnectOptions::from_str("sqlite:")?;
        if let Some(key) = &key {
            // sqlx issues `key` before every other pragma, as SQLCipher requires.
            base = base.pragma("key", key.pragma().to_string());
        }
        let options = PRAGMAS.iter().fold(
            base.filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(BUSY_TIMEOUT)
                .pragma("cache_size", "-32768"),
            |options, &(name, value)| options.pragma(name, value),
        );
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(ref d)
                    if d.message().contains("not a database") && key.is_some() =>
                {
                    Error::WrongKey(format!(
                        "the key does not open {}; nothing was changed",
                        path.display()
                    ))
                }
                sqlx::Error::Database(ref d) if d.message().contains("not a database") => {
                    Error::InvalidInput(format!(
                        "{} is not an Appeal Desk database (it is not SQLite)",
                        path.display()
                    ))
                }
                other => Error::Database(other),
            })?;
        let db = Db {
            pool,
            path,
            checkpoints: Checkpoints::default(),
            clock: Clock::system(),
            key,
        };
        if let Some(p) = resolved(&db.path) {
            let mut open = OPEN_FILES.lock().expect("not poisoned");
            if !open.contains(&p) {
                open.push(p);
            }
        }
        // A pool left to close itself would still be closing when a short-lived process
        // exits, and SQLCipher's exit handler frees what that close needs: close it here.
        let checked = match db.refuse_newer_schema().await {
            Ok(()) => MIGRATOR.run(&db.pool).await.map_err(Error::from),
            Err(e) => Err(e),
        };
        if let Err(e) = checked {
            db.close().await;
            return Err(e);
        }
        Ok(db)
    }

    /// The same database opened again, with the same key and clock (after a lock closed it).
    pub async fn reopen(&self) -> Result<Db> {
        Ok(Db::connect(&self.path, self.key.clone())
            .await?
            .with_clock(self.clock))
    }

    /// The same handle reading its dates and times from `clock` (tests fix one).
    pub fn with_clock(mut self, clock: Clock) -> Db {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now, as stored: UTC to the second.
    pub(crate) fn now(&self) -> String {
        self.clock.stamp()
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file is encrypted (SQLCipher).
    pub fn encrypted(&self) -> bool {
        self.key.is_some()
    }

    pub(crate) fn key(&self) -> Option<&crate::key::DataKey> {
        self.key.as_ref()
    }

    pub async fn info(&self) -> Result<DbInfo> {
        let signatories: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatories")
            .fetch_one(&self.pool)
            .await?;
        Ok(DbInfo {
            path: self.path.display().to_string(),
            schema_version: self.applied_version().await?.unwrap_or(0),
            signatories,
        })
    }

    /// Waits for work a big write left running in the background, then closes every connection.
    pub async fn close(self) {
        self.settle().await;
        self.pool.close().await;
        if let Some(p) = resolved(&self.path) {
            OPEN_FILES
                .lock()
                .expect("not poisoned")
                .retain(|open| *open != p);
        }
    }

    /// Waits until the write-ahead log of every big write so far has been copied into the
    /// database file (see [`Bulk::commit`]). Their data was durable and visible before this.
    pub async fn settle(&self) {
        let running = std::mem::take(&mut *self.checkpoints.lock().expect("not poisoned"));
        if running.is_empty() {
            return;
        }
        let _ = tokio::task::spawn_blocking(move || {
            for checkpoint in running {
                let _ = checkpoint.join();
            }
        })
        .await;
    }

    async fn applied_version(&self) -> Result<Option<i64>> {
        let has_table: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&self.pool)
        .await?;
        if has_table == 0 {
            return Ok(None);
        }
        Ok(
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn refuse_newer_schema(&self) -> Result<()> {
        let supported = supported_schema();
        match self.applied_version().await? {
            Some(found) if found > supported => Err(Error::NewerDatabase { found, supported }),
            _ => Ok(()),
        }
    }
}

/// A value from the settings table.
pub(crate) async fn setting(db: &Db, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(db.pool())
            .await?,
    )
}

pub(crate) async fn set_setting(db: &Db, key: &str, value: &str) -> Result<()> {
    sqlx::query("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)")
        .bind(key)
        .bind(value)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The newest schema version this build knows.
pub(crate) fn supported_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// `(?,?,…),(?,?,…),…`: the VALUES of a multi-row statement, `rows` rows of `cols` each.
pub(crate) fn value_rows(rows: usize, cols: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(","));
    vec![one; rows].join(",")
}

/// A page that SQLite built as one JSON array (`json_group_array`), read back. sqlx hands rows
/// across threads one at a time, which for big reads cost more than SQLite's finding them.
pub(crate) fn json_page<T: serde::de::DeserializeOwned>(page: &str) -> Result<Vec<T>> {
    serde_json::from_str(page).map_err(|e| sqlx::Error::Decode(Box::new(e)).into())
}

/// A JSON value Appeal Desk stored, read back; `what` names it for the error.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: impl std::fmt::Display,
) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| crate::Error::Damaged(format!("{what} that is not readable JSON ({e})")))
}

/// A stored word read back as the enum it names; one outside the set this version writes (the
/// schema's CHECKs keep them out) is damage, never a default.
pub(crate) fn stored<T: std::str::FromStr>(what: &str, value: &str) -> crate::Result<T> {
    value.parse().map_err(|_| unknown_stored(what, value))
}

/// A stored word outside the set this version writes (the schema's CHECKs keep them out).
pub(crate) fn unknown_stored(what: &str, value: &str) -> crate::Error {
    crate::Error::Damaged(format!("{what} {value:?}"))
}

/// Something read from the database a page at a time; an empty page is the end.
pub(crate) trait Pages: Send + 'static {
    type Item: Send + 'static;
    fn next_page(
        &mut self,
        db: &Db,
    ) -> impl std::future::Future<Output = Result<Vec<Self::Item>>> + Send;
}

/// Reads pages on their own task, up to two ahead of whoever consumes them, so reading (one
/// SQLite connection) and the work on each page run on different cores. It stops at the end,
/// after passing on an error, or when the consumer hangs up.
pub(crate) fn read_ahead<P: Pages>(
    db: Db,
    mut pages: P,
) -> tokio::sync::mpsc::Receiver<Result<Vec<P::Item>>> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        loop {
            let page = pages.next_page(&db).await;
            let last = page.as_ref().map_or(true, Vec::is_empty);
            if tx.send(page).await.is_err() || last {
                break;
            }
        }
    });
    rx
}

/// Makes `dir` and the folders above it that are missing, readable by their owner only
/// (0700). Folders that exist are left as they are.
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io("create the folder", dir, e))
}

/// The database file created with mode 0600 if missing; an existing one, its `-wal` and its
/// `-shm` lose any access by group and others (a list of supporters is nobody else's to read).
fn private_files(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("create", path, e)),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode & 0o700))
                .map_err(|e| Error::io("make private", &p, e))?;
            tracing::info!(path = %p.display(), "made the database file readable by its owner only");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_bulk_connection_has_the_pools_settings() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("t.db")).await.unwrap();
        let mut pool_values = Vec::new();
        for (name, _) in PRAGMAS {
            let v: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("PRAGMA {name}")))
                .fetch_one(db.pool())
                .await
                .unwrap();
            pool_values.push(v);
        }
        let mut bulk = db.bulk_read().await.unwrap();
        let bulk_values = bulk
            .run(|c| {
                PRAGMAS
                    .iter()
                    .map(|(name, _)| Ok(c.pragma_query_value(None, name, |r| r.get(0))?))
                    .collect::<Result<Vec<i64>>>()
            })
            .await
            .unwrap();
        // foreign_keys on, synchronous FULL (2), secure_delete on, temp_store MEMORY (2).
        assert_eq!(pool_values, [1, 2, 1, 2]);
        assert_eq!(bulk_values, pool_values);
        drop(bulk);
        db.close().await;
    }
}
