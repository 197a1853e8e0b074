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

pub fn appeal(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_appeal"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the appeal binary runs")
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
