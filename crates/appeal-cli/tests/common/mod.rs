//! Shared by the CLI tests: the fixtures and the `appeal` binary run on a database file.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// The passphrase of every test database.
pub const PASSPHRASE: &str = "Mossy-Lantern 7 Harbour Quill";

/// `appeal --db DB` with the test passphrase in its environment (and a trivial key
/// derivation cost, which only test builds accept). A database that does not exist yet is
/// created encrypted first, as `appeal db init` does.
pub fn appeal_command(db: &Path) -> Command {
    if !db.exists() {
        let out = bare(db)
            .args(["db", "init"])
            .output()
            .expect("the appeal binary runs");
        assert!(
            out.status.success(),
            "appeal db init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    bare(db)
}

/// `appeal --db DB` with the test passphrase, creating nothing.
pub fn bare(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_appeal"));
    c.arg("--db")
        .arg(db)
        .env("APPEAL_PASSPHRASE", PASSPHRASE)
        .env("APPEAL_TEST_KDF", "fast");
    c
}

pub fn appeal(db: &Path, args: &[&str]) -> Output {
    // `appeal db …` makes or converts the database itself.
    let command = args.iter().find(|a| !a.starts_with("--"));
    let mut c = if command == Some(&"db") {
        bare(db)
    } else {
        appeal_command(db)
    };
    c.args(args).output().expect("the appeal binary runs")
}

/// Runs with `--json`, insists on success, and returns the parsed output.
pub fn ok_json(db: &Path, args: &[&str]) -> Value {
    let out = appeal(db, &[&["--json"], args].concat());
    assert!(
        out.status.success(),
        "appeal {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}
pub mod imap;
pub mod smtp;

/// The port a test server started as `child` listens on: its first line on stdout is
/// exactly `READY <port>`.
pub fn ready_port(child: &mut std::process::Child, what: &str) -> u16 {
    use std::io::{BufRead, BufReader};
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .unwrap();
    line.strip_prefix("READY ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the test {what} server did not start: {line:?}"))
}
