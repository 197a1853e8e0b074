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
    let dir = tempfile::tempdir().unwrap();
    let (db, m) = common::unmerged_mailing(dir.path(), rows).await;
    let rss_before = peak_rss_mb();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let r = mailings::merge(&db, m, false, &Silent).await.unwrap();
    let merge_time = start.elapsed();
    let merge_cpu = cpu_seconds() - cpu;
    assert_eq!(r.messages as usize, rows);
    let rss_merge = peak_rss_mb();

    let out = dir.path().join("outbox.csv");
    let start = Instant::now();
    handover::export(&db, m, HandoverFormat::Csv, &out)
        .await
        .unwrap();
    let export_time = start.elapsed();
    let bytes = std::fs::metadata(&out).unwrap().len();

    println!("merge benchmark: {rows} messages (3 languages, Markdown to HTML, 5 merge fields)");
    println!("  merge time       {:>8.2} s", merge_time.as_secs_f64());
    println!(
        "  throughput       {:>8.0} messages/s",
        rows as f64 / merge_time.as_secs_f64()
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
    db.close().await;
}
