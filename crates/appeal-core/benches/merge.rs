//! Merge benchmark: ROWS signatories (default 1,000,000) get one letter each, rendered from a
//! Markdown template with merge fields into the outbox; then the outbox is exported as CSV.
//! Prints a report; run with `cargo bench -p appeal-core --bench merge` (ROWS=100000 for a
//! quick look).

use std::time::Instant;

mod common;

use appeal_core::mailings;
use appeal_core::mailings::handover::{self, HandoverFormat};
use appeal_core::progress::Silent;
use common::{cpu_seconds, peak_rss_mb};

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1_000_000);
    // Both kinds of database in one run, the plaintext one first.
    let plain = run(rows, false).await;
    let enc = run(rows, true).await;
    println!(
        "encrypted merge takes {:+.1}% of the plaintext time, its CSV export {:+.1}%",
        (enc.0 / plain.0 - 1.0) * 100.0,
        (enc.1 / plain.1 - 1.0) * 100.0
    );
}

/// One merge and export; returns their times in seconds.
async fn run(rows: usize, encrypted: bool) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let (db, m) = common::unmerged_mailing(dir.path(), rows, encrypted).await;
    db.settle().await; // the import's checkpoint, not the merge's work
    let rss_before = peak_rss_mb();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let r = mailings::merge(&db, m, false, &Silent).await.unwrap();
    let merge_time = start.elapsed();
    let merge_cpu = cpu_seconds() - cpu;
    // The merge is committed; its write-ahead log is copied into the file in the background.
    // The export is timed after that, on its own.
    let t = Instant::now();
    db.settle().await;
    let checkpoint = t.elapsed();
    assert_eq!(r.messages as usize, rows);
    let rss_merge = peak_rss_mb();

    let out = dir.path().join("outbox.csv");
    // The disk's own speed for as many bytes as the export writes (about 543 bytes a letter),
    // measured just before it. Both start with nothing of the merge left to write back.
    let disk = (0..3)
        .map(|_| {
            flush_disk();
            disk_write_mb_s(&dir.path().join("disk-check"), rows as u64 * 543)
        })
        .fold(0.0, f64::max);
    flush_disk();
    let start = Instant::now();
    handover::export(&db, m, HandoverFormat::Csv, &out)
        .await
        .unwrap();
    let export_time = start.elapsed();
    let bytes = std::fs::metadata(&out).unwrap().len();
    println!(
        "merge benchmark, {} database: {rows} messages (3 languages, Markdown to HTML, 5 merge fields)",
        if encrypted {
            "encrypted (SQLCipher)"
        } else {
            "plaintext"
        }
    );
    println!(
        "  merge time       {:>8.2} s (until committed: durable and readable)",
        merge_time.as_secs_f64()
    );
    println!(
        "  throughput       {:>8.0} messages/s",
        rows as f64 / merge_time.as_secs_f64()
    );
    println!(
        "  checkpoint       {:>8.2} s more, in the background (log copied into the database file)",
        checkpoint.as_secs_f64()
    );
    println!(
        "  CPU time         {:>8.2} s (all threads; the machine has {} cores)",
        merge_cpu,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "  peak memory      {:>8.1} MB before the merge, {:.1} MB after (VmHWM)",
        rss_before, rss_merge
    );
    println!(
        "  CSV export       {:>8.2} s, {:.0} MB, {:.0} MB/s",
        export_time.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / export_time.as_secs_f64()
    );
    println!(
        "  disk, for scale  {:>8.0} MB/s (best of 3: as many bytes written from memory in 1 MiB blocks and synced, just before the export)",
        disk
    );
    db.close().await;
    if !encrypted {
        let floor = sqlite_read_floor(&dir.path().join("bench.db"), m);
        println!(
            "  SQLite alone     {:>8.2} s, {:.0} MB/s (best of 3: stepping through the export's rows and touching every cell, writing nothing)",
            floor.0,
            bytes as f64 / 1e6 / floor.0
        );
        println!(
            "                   {} cell bytes read; the export cannot be faster than this on one reading thread",
            floor.1
        );
    }
    (merge_time.as_secs_f64(), export_time.as_secs_f64())
}

/// How long SQLite alone takes to hand over the cells the CSV export writes, with the
/// export's own query: the ceiling for any export that reads the outbox on one thread.
fn sqlite_read_floor(path: &std::path::Path, mailing: i64) -> (f64, u64) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA cache_size = -8192").unwrap();
    let mut best = f64::MAX;
    let mut total = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let mut stmt = c
            .prepare(
                "SELECT to_header, reply_to, subject, text, html, language, to_address FROM messages
                 WHERE id BETWEEN ?1 AND ?2 AND +mailing_id = ?3 ORDER BY id",
            )
            .unwrap();
        let mut rows = stmt.query(rusqlite::params![1, i64::MAX, mailing]).unwrap();
        total = 0u64;
        while let Some(row) = rows.next().unwrap() {
            for i in 0..7 {
                total += match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) => t.len() as u64,
                    _ => 0,
                };
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, total)
}

/// Waits until everything written so far is on the disk (`sync`).
fn flush_disk() {
    let ok = std::process::Command::new("sync")
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "sync failed");
}

/// How fast this disk takes `bytes` written through a 1 MiB buffer and synced: the ceiling
/// for an export that writes as much.
fn disk_write_mb_s(path: &std::path::Path, bytes: u64) -> f64 {
    use std::io::Write;
    let block = vec![b'x'; 1 << 20];
    let start = Instant::now();
    let mut f = std::fs::File::create(path).unwrap();
    let mut left = bytes;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n]).unwrap();
        left -= n as u64;
    }
    f.sync_all().unwrap();
    let mb_s = bytes as f64 / 1e6 / start.elapsed().as_secs_f64();
    std::fs::remove_file(path).unwrap();
    mb_s
}
