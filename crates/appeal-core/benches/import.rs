//! Import benchmark: writes a signature list of ROWS rows (default 1,000,000; about 60 MB,
//! 5% of them repeats of an earlier address in another case), imports it into a fresh
//! database, and times searches on the result. Prints a report; run with
//! `cargo bench -p appeal-core --bench import` (ROWS=100000 for a quick look).

use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

mod common;

use appeal_core::imports::{self, ImportOptions};
use appeal_core::progress::Silent;
use appeal_core::signatories::{self, SignatoryQuery};
use appeal_core::{Db, campaigns};
use common::peak_rss_mb;

const FIRST: [&str; 12] = [
    "Anna",
    "Jonas",
    "Maja",
    "Léa",
    "Søren",
    "Ирина",
    "Олег",
    "Greta",
    "Émile",
    "Tomas",
    "Nina",
    "Pavel",
];
const LAST: [&str; 12] = [
    "Petrova",
    "Weber",
    "Horvat",
    "Dubois",
    "Møller",
    "Смирнова",
    "Кузнецов",
    "Lindqvist",
    "Roux",
    "Novak",
    "Berg",
    "Orlov",
];
const TOWNS: [&str; 8] = [
    "Berlin",
    "Hamburg",
    "Lyon",
    "København",
    "Казань",
    "Пермь",
    "Stockholm",
    "Graz",
];

fn write_list(path: &std::path::Path, rows: usize) -> u64 {
    let mut w = BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        w,
        "first_name,last_name,email,zip_code,can2_user_city,country,date,comment"
    )
    .unwrap();
    for i in 0..rows {
        // Every 20th row repeats an earlier person's address in upper case.
        let n = if i % 20 == 19 { i / 2 } else { i };
        let email = format!("person{n}@example.org");
        let email = if n != i { email.to_uppercase() } else { email };
        writeln!(
            w,
            "{},{},{},{:05},{},DE,2026-10-{:02},\"Free them, now\"",
            FIRST[n % 12],
            LAST[(n / 12) % 12],
            email,
            10000 + n % 89999,
            TOWNS[n % 8],
            1 + n % 28
        )
        .unwrap();
    }
    w.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// What one import on one kind of database measured.
struct Figures {
    took: Duration,
    checkpoint: Duration,
    peak_mb: f64,
    searches: Vec<(&'static str, Duration)>,
    deep_page: Vec<Duration>,
    report: imports::ImportReport,
}

async fn measure(
    dir: &std::path::Path,
    csv: &std::path::Path,
    rows: usize,
    encrypted: bool,
) -> Figures {
    let db = common::open_db(&dir.join("bench.db"), encrypted).await;
    let c = campaigns::create_campaign(&db, "Bench").await.unwrap();
    let p = campaigns::create_petition(&db, c.id, "Bench petition")
        .await
        .unwrap();
    let opts = ImportOptions {
        petition_id: Some(p.id),
        ..Default::default()
    };

    let start = Instant::now();
    let report = imports::run(&db, csv, &opts, &Silent).await.unwrap();
    let took = start.elapsed();
    assert_eq!(report.rows as usize, rows);
    // The import is committed; its write-ahead log is copied into the file in the background.
    // Searches are timed after that, on their own.
    let t = Instant::now();
    db.settle().await;
    let checkpoint = t.elapsed();

    let queries = [
        "anna",
        "petrova",
        "person12345@example.org",
        "казань",
        "graz",
        "x",
        "jonas weber ham",
    ];
    let mut searches = Vec::new();
    for q in queries {
        let query = SignatoryQuery {
            search: Some(q.into()),
            offset: 0,
            limit: 200,
            ..Default::default()
        };
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let page = signatories::list(&db, &query).await.unwrap();
            best = best.min(t.elapsed());
            std::hint::black_box(page);
        }
        searches.push((q, best));
    }
    let deep = SignatoryQuery {
        offset: (rows as i64) * 9 / 10,
        limit: 200,
        ..Default::default()
    };
    // The first read is cold (SQLite's page cache emptied by the import); later ones are not.
    let mut deep_page = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        signatories::list(&db, &deep).await.unwrap();
        deep_page.push(t.elapsed());
    }
    db.close().await;
    Figures {
        took,
        checkpoint,
        peak_mb: peak_rss_mb(),
        searches,
        deep_page,
        report,
    }
}

/// How long unlocking takes with the app's own Argon2id cost: best and worst of 3.
async fn unlock_time(dir: &std::path::Path) -> (f64, f64) {
    use appeal_core::vault::{self, Unlock};
    let path = dir.join("unlock.db");
    let pass = "Mossy-Lantern 7 Harbour Quill";
    let (db, _) = vault::create(&path, pass, false).await.unwrap();
    db.close().await;
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let db = vault::unlock(&path, Unlock::Passphrase(pass.to_string().into()))
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64());
        db.close().await;
    }
    (
        times.iter().copied().fold(f64::MAX, f64::min),
        times.iter().copied().fold(0.0, f64::max),
    )
}

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("list.csv");
    let bytes = write_list(&csv, rows);
    let mut runs = Vec::new();
    for (label, encrypted) in [("plaintext", false), ("encrypted (SQLCipher)", true)] {
        let sub = dir.path().join(if encrypted { "enc" } else { "plain" });
        std::fs::create_dir(&sub).unwrap();
        runs.push((label, measure(&sub, &csv, rows, encrypted).await));
    }

    println!(
        "import benchmark: {rows} rows, {:.1} MB CSV, each on a plaintext and an encrypted database in this run",
        bytes as f64 / 1e6
    );
    let report = &runs[0].1.report;
    println!(
        "  imported {} / updated {} / duplicates {} / rejected {}",
        report.imported, report.updated, report.duplicates, report.rejected
    );
    for (label, f) in &runs {
        println!("  {label}:");
        println!(
            "    import time      {:>8.2} s (until committed: durable and readable), {:.0} rows/s",
            f.took.as_secs_f64(),
            rows as f64 / f.took.as_secs_f64()
        );
        println!(
            "    checkpoint       {:>8.2} s more, in the background (log copied into the database file)",
            f.checkpoint.as_secs_f64()
        );
        println!(
            "    peak memory      {:>8.1} MB (VmHWM of the whole process so far)",
            f.peak_mb
        );
        for (q, d) in &f.searches {
            println!(
                "    search {:<26} {:>6.1} ms (best of 5, total count + first 200 rows)",
                format!("\"{q}\""),
                d.as_secs_f64() * 1e3
            );
        }
        println!(
            "    page at offset 90%             {:>6.1} ms the first time, {:.1} ms best of the next 4",
            f.deep_page[0].as_secs_f64() * 1e3,
            f.deep_page[1..].iter().min().unwrap().as_secs_f64() * 1e3
        );
    }
    let (plain, enc) = (&runs[0].1, &runs[1].1);
    println!(
        "  encrypted import takes {:+.1}% of the plaintext time; slowest search {:.1} ms encrypted, {:.1} ms plaintext",
        (enc.took.as_secs_f64() / plain.took.as_secs_f64() - 1.0) * 100.0,
        enc.searches
            .iter()
            .map(|s| s.1)
            .max()
            .unwrap()
            .as_secs_f64()
            * 1e3,
        plain
            .searches
            .iter()
            .map(|s| s.1)
            .max()
            .unwrap()
            .as_secs_f64()
            * 1e3,
    );
    let (fast, slow) = unlock_time(dir.path()).await;
    println!(
        "  unlock with the passphrase (Argon2id 128 MiB, 7 passes, then opening): {:.2}–{:.2} s over 3 tries",
        fast, slow
    );

    let floor = sqlite_write_floor(dir.path(), rows).await;
    println!(
        "  SQLite alone, plaintext, storing the same people and signatures with nothing else done:"
    );
    for (what, secs) in &floor {
        println!("    {what:<34} {secs:>6.2} s");
    }
    let total: f64 = floor.iter().map(|(_, s)| s).sum();
    println!(
        "    {:<34} {total:>6.2} s: no import on this schema can beat {:.0} rows/s here",
        "total",
        rows as f64 / total
    );
}

/// The time SQLite itself takes to store what the import stores, with the same schema,
/// pragmas and one transaction, but with the rows already parsed, validated, deduplicated
/// and sitting in an in-memory table: the ceiling for any importer built on this schema.
async fn sqlite_write_floor(dir: &std::path::Path, rows: usize) -> Vec<(&'static str, f64)> {
    let path = dir.join("floor.db");
    let db = Db::open(&path).await.unwrap();
    let c = campaigns::create_campaign(&db, "Bench").await.unwrap();
    let p = campaigns::create_petition(&db, c.id, "Bench petition")
        .await
        .unwrap();
    db.close().await;
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -32768;
         CREATE TEMP TABLE staged (id INTEGER PRIMARY KEY, key TEXT, first TEXT, last TEXT,
             email TEXT, postcode TEXT, town TEXT, signed_at TEXT, comment TEXT);",
    )
    .unwrap();
    c.execute(
        "INSERT INTO imports (id, file_name, content_hash, format, mapping, on_existing, petition_id, created_at)
         VALUES (1, 'list.csv', 'x', 'csv', '[]', 'fill', ?, '2026-11-23T10:00:00Z')",
        [p.id],
    )
    .unwrap();
    {
        let mut stage = c
            .prepare("INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .unwrap();
        // The list's distinct people, as `write_list` writes them: a repeated row names
        // person i/2, who is new if their own row was itself a repeat.
        let mut seen = vec![false; rows];
        for i in 0..rows {
            seen[if i % 20 == 19 { i / 2 } else { i }] = true;
        }
        for n in (0..rows).filter(|&n| seen[n]) {
            let email = format!("person{n}@example.org");
            stage
                .execute(rusqlite::params![
                    n as i64 + 1,
                    email,
                    FIRST[n % 12],
                    LAST[(n / 12) % 12],
                    email,
                    format!("{:05}", 10000 + n % 89999),
                    TOWNS[n % 8],
                    format!("2026-10-{:02}", 1 + n % 28),
                    "Free them, now",
                ])
                .unwrap();
        }
    }
    let steps: [(&str, String); 5] = [
        ("begin", "BEGIN IMMEDIATE".into()),
        (
            "people (table, address key, id index)",
            "INSERT INTO signatories (id, dedupe_key, first_name, last_name, email, postcode, town, country,
                 subscription, tags, custom, import_id, created_at, updated_at)
             SELECT id, key, first, last, email, postcode, town, 'DE', 'unknown', '[]', '{}', 1,
                 '2026-11-23T10:00:00Z', '2026-11-23T10:00:00Z' FROM staged ORDER BY id"
                .into(),
        ),
        (
            "search index (FTS5)",
            "INSERT INTO signatory_search (rowid, name, email, town)
             SELECT id, first_name || ' ' || last_name, email, town FROM signatories"
                .into(),
        ),
        (
            "signatures",
            format!(
                "INSERT INTO signatures (signatory_id, petition_id, signed_at, source, comment, import_id, created_at)
                 SELECT id, {}, signed_at, 'list.csv', comment, 1, '2026-11-23T10:00:00Z' FROM staged ORDER BY id",
                p.id
            ),
        ),
        ("commit (log synced)", "COMMIT".into()),
    ];
    steps
        .iter()
        .map(|(what, sql)| {
            let t = Instant::now();
            c.execute_batch(sql).unwrap();
            (*what, t.elapsed().as_secs_f64())
        })
        .filter(|(what, _)| *what != "begin")
        .collect()
}
