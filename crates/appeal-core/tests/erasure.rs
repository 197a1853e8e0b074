//! Erasure against what else touches the database file at the same time: the checkpoint a
//! big import leaves running, and another program reading. The erased address must end up in
//! neither the database file nor its write-ahead log, or the report must say the log kept it.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use appeal_core::erasure as erase;
use appeal_core::imports;
use appeal_core::progress::Silent;
use common::{TestDb, fresh_plaintext};

const ADDRESS: &[u8] = b"zofia.kowalczyk";

/// Imports a list big enough that its checkpoint is still running when this returns, with
/// Zofia Kowalczyk in the middle; returns her id.
async fn big_list_with_zofia(t: &TestDb) -> i64 {
    let path = t.dir.path().join("big.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(w, "first_name,last_name,email,town").unwrap();
    for i in 0..40_000 {
        if i == 20_000 {
            writeln!(w, "Zofia,Kowalczyk,zofia.kowalczyk@example.org,Graz").unwrap();
        }
        writeln!(w, "Person{i},Example,person{i}@example.org,Town{}", i % 50).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    imports::run(&t.db, &path, &t.opts(), &Silent)
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT id FROM signatories WHERE dedupe_key = 'e:zofia.kowalczyk@example.org'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap()
}

/// Another program in the middle of a read: a snapshot held open on the database, and the
/// number of people it sees.
fn reading(path: &std::path::Path) -> (rusqlite::Connection, i64) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("BEGIN").unwrap();
    let n = c
        .query_row("SELECT COUNT(*) FROM signatories", [], |r| r.get(0))
        .unwrap();
    (c, n)
}

fn traces(t: &TestDb) -> (bool, bool) {
    let found = |name: &str| {
        std::fs::read(t.dir.path().join(name))
            .unwrap_or_default()
            .windows(ADDRESS.len())
            .any(|w| w == ADDRESS)
    };
    (found("test.db"), found("test.db-wal"))
}

#[tokio::test]
async fn erasure_right_after_a_big_import_leaves_no_trace_in_the_file_or_the_log() {
    let t = fresh_plaintext().await;
    let id = big_list_with_zofia(&t).await;
    // No settling here: the import left its checkpoint to the background.
    let r = erase::erase(&t.db, id).await.unwrap();
    assert!(r.log_cleared, "nothing else was reading");
    assert_eq!(
        traces(&t),
        (false, false),
        "(database file, write-ahead log)"
    );
}

#[tokio::test]
async fn erasure_waits_for_a_reader_on_an_older_snapshot_before_emptying_the_log() {
    let t = fresh_plaintext().await;
    let id = big_list_with_zofia(&t).await;
    t.db.settle().await;
    // Another program in the middle of a read, which it finishes 600 ms later.
    let path = t.dir.path().join("test.db");
    let reader = std::thread::spawn(move || {
        let (c, n) = reading(&path);
        std::thread::sleep(Duration::from_millis(600));
        c.execute_batch("COMMIT").unwrap();
        n
    });
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    let r = erase::erase(&t.db, id).await.unwrap();
    assert_eq!(reader.join().unwrap(), 40_001);
    assert!(start.elapsed() >= Duration::from_millis(300), "it waited");
    assert!(r.log_cleared);
    assert_eq!(
        traces(&t),
        (false, false),
        "(database file, write-ahead log)"
    );
}

#[tokio::test]
async fn erasure_says_so_when_a_reader_keeps_the_log_from_being_emptied() {
    let t = fresh_plaintext().await;
    let id = big_list_with_zofia(&t).await;
    t.db.settle().await;
    let (c, _) = reading(&t.dir.path().join("test.db"));
    // Held past the 10-second busy timeout.
    let r = erase::erase(&t.db, id).await.unwrap();
    assert!(
        !r.log_cleared,
        "the report must not claim the log was emptied"
    );
    assert!(
        traces(&t).1,
        "the log does still hold her old pages: the flag is the truth"
    );
    c.execute_batch("COMMIT").unwrap();
    drop(c);
    // Once nobody reads, closing the database empties the log.
    t.db.clone().close().await;
    let wal = std::fs::read(t.dir.path().join("test.db-wal")).unwrap_or_default();
    assert!(!wal.windows(ADDRESS.len()).any(|w| w == ADDRESS));
    let db = std::fs::read(t.dir.path().join("test.db")).unwrap();
    assert!(!db.windows(ADDRESS.len()).any(|w| w == ADDRESS));
}
