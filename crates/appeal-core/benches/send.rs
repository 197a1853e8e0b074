//! Sending benchmark against real servers on loopback:
//! - Postfix's smtp-sink, plain: ROWS messages (default 1,000,000), memory sampled throughout;
//! - aiosmtpd (tests/smtp/server.py) with STARTTLS and AUTH over a test CA: TLS_ROWS messages
//!   (default 20,000);
//! - smtp-sink again with a 2 MB PDF attached to every letter: ATTACH_ROWS messages (default
//!   5,000).
//!
//! Each message is a merged letter (multipart/alternative, UTF-8), sent through the outbox
//! engine with its state committed before and after. Prints a report; run with
//! `cargo bench -p appeal-core --bench send` (ROWS=100000 for a quick look; SCENARIO=sink,
//! tls or attach for one; CONCURRENCY=n, default 16).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod common;

use appeal_core::outbox::{self, SendControl, SendOptions, SendProgress};
use appeal_core::progress::Silent;
use appeal_core::smtp::{self, ProfileDraft, Security};
use appeal_core::{Db, mailings};
use common::{cpu_seconds, peak_rss_mb, rss_mb};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn merged(dir: &Path, rows: usize, encrypted: bool) -> (Db, i64) {
    merged_with(dir, rows, vec![], encrypted).await
}

async fn merged_with(
    dir: &Path,
    rows: usize,
    attachments: Vec<String>,
    encrypted: bool,
) -> (Db, i64) {
    let (db, m) = common::unmerged_mailing_with(dir, rows, attachments, encrypted).await;
    let r = mailings::merge(&db, m, false, &Silent).await.unwrap();
    assert_eq!(r.messages as usize, rows);
    (db, m)
}

async fn run(db: &Db, mailing: i64, draft: ProfileDraft, password: Option<&str>, label: &str) {
    let profile = smtp::add(db, &draft).await.unwrap();
    let samples = Arc::new(std::sync::Mutex::new(Vec::<(u64, f64)>::new()));
    let last = Arc::new(AtomicU64::new(0));
    let (s, l) = (samples.clone(), last.clone());
    let progress = Arc::new(move |p: SendProgress| {
        let sent = p.counts.sent as u64;
        // One sample per 5% of the way, to show memory stays flat.
        if sent >= l.load(Ordering::Relaxed) {
            s.lock().unwrap().push((sent, rss_mb()));
            l.store(sent + (p.total as u64 / 20).max(1), Ordering::Relaxed);
        }
    });
    let rss_before = rss_mb();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let r = outbox::send(
        db,
        mailing,
        &profile,
        password.map(String::from),
        SendControl::new(),
        progress,
        SendOptions::default(),
    )
    .await
    .unwrap();
    let t = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    assert_eq!(r.counts.open(), 0, "{r:?}");
    let n = r.counts.sent;
    println!("{label}: {n} messages, {} connections", draft.concurrency);
    println!("  time             {t:>8.2} s");
    println!("  throughput       {:>8.0} messages/s", n as f64 / t);
    println!("  CPU time         {cpu:>8.2} s (this process, all threads; not the server's)");
    let s = samples.lock().unwrap();
    let max = s.iter().map(|x| x.1).fold(0.0, f64::max);
    let min = s.iter().map(|x| x.1).fold(f64::MAX, f64::min);
    println!(
        "  memory (RSS)     {rss_before:>8.1} MB before; {min:.1}–{max:.1} MB over {} samples while sending; peak {:.1} MB (VmHWM, includes the merge)",
        s.len(),
        peak_rss_mb()
    );
}

#[tokio::main]
async fn main() {
    let scenario = std::env::var("SCENARIO").unwrap_or_default();
    let concurrency = env_usize("CONCURRENCY", 16) as u32;
    // SCENARIO=sink runs the plaintext and the encrypted database one after the other.
    for (name, label, encrypted) in [
        ("sink", "smtp-sink, plain, plaintext database", false),
        (
            "sink",
            "smtp-sink, plain, encrypted database (SQLCipher)",
            true,
        ),
        (
            "attach",
            "smtp-sink, plain, a 2 MB PDF attached to each",
            false,
        ),
    ] {
        if !(scenario.is_empty() || scenario == name) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let (db, m) = if name == "attach" {
            let pdf = dir.path().join("appeal.pdf");
            let mut bytes = b"%PDF-1.7\n".to_vec();
            bytes.extend((0..2_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
            std::fs::write(&pdf, bytes).unwrap();
            let rows = env_usize("ATTACH_ROWS", 5_000);
            merged_with(dir.path(), rows, vec![pdf.display().to_string()], encrypted).await
        } else {
            merged(dir.path(), env_usize("ROWS", 1_000_000), encrypted).await
        };
        let port = free_port();
        let mut sink = Command::new("/usr/sbin/smtp-sink");
        if running_as_root() {
            sink.args(["-u", "nobody"]);
        }
        let _sink = Kill(
            sink.arg(format!("127.0.0.1:{port}"))
                .arg("1024")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect(
                    "smtp-sink (Debian package postfix) runs; bash scripts/setup.sh installs it",
                ),
        );
        wait_listening(port);
        let mut d = ProfileDraft::new(
            "sink",
            "127.0.0.1",
            port,
            Security::None,
            "letters@free-n.example.org",
        );
        d.concurrency = concurrency;
        run(&db, m, d, None, label).await;
        if name == "sink" && encrypted {
            // The floor: Postfix's own smtp-source, which keeps no state at all, sending as
            // many letters of the same size to the same server over as many connections.
            let (n, size): (i64, f64) = sqlx::query_as(
                "SELECT COUNT(*), AVG(LENGTH(CAST(text AS BLOB)) + LENGTH(CAST(html AS BLOB))) FROM messages",
            )
            .fetch_one(db.pool())
            .await
            .unwrap();
            let size = (size as i64 + 1200).to_string(); // headers, MIME parts, footer
            let start = Instant::now();
            let ok = Command::new("/usr/sbin/smtp-source")
                .args([
                    "-d",
                    "-s",
                    &concurrency.to_string(),
                    "-m",
                    &n.to_string(),
                    "-l",
                    &size,
                ])
                .args(["-f", "letters@free-n.example.org", "-t", "anna@example.org"])
                .arg(format!("127.0.0.1:{port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("smtp-source (Debian package postfix) runs");
            assert!(ok.success());
            let t = start.elapsed().as_secs_f64();
            println!(
                "smtp-source (Postfix; no state, no building), same server: {n} messages of {size} bytes, {concurrency} connections"
            );
            println!("  time             {t:>8.2} s");
            println!("  throughput       {:>8.0} messages/s", n as f64 / t);
        }
        db.close().await;
    }
    if scenario.is_empty() || scenario == "tls" {
        let rows = env_usize("TLS_ROWS", 20_000);
        let dir = tempfile::tempdir().unwrap();
        let (db, m) = merged(dir.path(), rows, false).await;
        let certs = dir.path().join("certs");
        let ok = Command::new("bash")
            .arg(repo().join("tests/smtp/make_certs.sh"))
            .arg(&certs)
            .status()
            .unwrap();
        assert!(ok.success());
        let rec = dir.path().join("rec");
        std::fs::create_dir_all(&rec).unwrap();
        let mut child = Command::new("/usr/bin/python3")
            .arg(repo().join("tests/smtp/server.py"))
            .args(["--port", "0", "--record"])
            .arg(&rec)
            .arg("--tls-cert")
            .arg(certs.join("server.pem"))
            .arg("--tls-key")
            .arg(certs.join("server.key"))
            .args(["--auth", "bench:secret"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's python3 with python3-aiosmtpd");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let _server = Kill(child);
        let port: u16 = line.trim().strip_prefix("READY ").unwrap().parse().unwrap();
        let mut d = ProfileDraft::new(
            "tls",
            "localhost",
            port,
            Security::Starttls,
            "letters@free-n.example.org",
        );
        d.username = Some("bench".into());
        d.ca_file = Some(certs.join("ca.pem").display().to_string());
        d.concurrency = concurrency;
        run(&db, m, d, Some("secret"), "aiosmtpd, STARTTLS + AUTH").await;
        db.close().await;
    }
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}
