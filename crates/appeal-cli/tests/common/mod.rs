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
