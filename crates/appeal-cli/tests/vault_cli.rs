//! Safe keeping from the command line, as processes: `appeal db …`, a kill -9 in the middle
//! of encrypting and of rotating the key, the keychain, and the whole flow with no network.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{PASSPHRASE, appeal, bare, fixture, ok_json};
use serde_json::Value;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn with_env(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = bare(db);
    c.env_remove("APPEAL_PASSPHRASE")
        .args(args)
        .envs(env.iter().copied());
    c.output().unwrap()
}

fn people(db: &Path) -> i64 {
    ok_json(db, &["info"])["signatories"].as_i64().unwrap()
}

fn filled(dir: &Path) -> PathBuf {
    let db = dir.join("desk.db");
    ok_json(&db, &["campaign", "add", "Free N."]);
    ok_json(
        &db,
        &["petition", "add", "--campaign", "Free N.", "Open letter"],
    );
    ok_json(
        &db,
        &[
            "import",
            fixture("action_network.csv").to_str().unwrap(),
            "--petition",
            "Open letter",
        ],
    );
    db
}

#[test]
fn the_passphrase_the_recovery_key_a_new_passphrase_a_backup_and_a_restore() {
    let dir = tempfile::tempdir().unwrap();
    let missing = appeal(&dir.path().join("none.db"), &["db", "status"]);
    assert!(!missing.status.success());
    let db = dir.path().join("desk.db");
    let init = ok_json(&db, &["db", "init"]);
    let recovery = init["recovery_key"].as_str().unwrap().to_string();
    assert_eq!(recovery.len(), 39);
    let db = filled(dir.path());
    let n = people(&db);
    let status = ok_json(&db, &["db", "status"]);
    assert_eq!(
        (status["state"].as_str(), status["remembered"].as_bool()),
        (Some("encrypted"), Some(false))
    );

    // No passphrase, no way in: a sentence saying where to give it.
    let none = with_env(&db, &["info"], &[]);
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("APPEAL_PASSPHRASE"),
        "{}",
        stderr(&none)
    );
    let wrong = with_env(
        &db,
        &["info"],
        &[("APPEAL_PASSPHRASE", "Mossy-Lantern 7 Harbour quill")],
    );
    assert!(
        stderr(&wrong).contains("does not open this database; nothing was changed"),
        "{}",
        stderr(&wrong)
    );
    // A passphrase file, and the recovery key.
    let file = dir.path().join("pass.txt");
    std::fs::write(&file, format!("{PASSPHRASE}\n")).unwrap();
    assert!(
        with_env(
            &db,
            &["--passphrase-file", file.to_str().unwrap(), "info"],
            &[]
        )
        .status
        .success()
    );
    assert!(
        with_env(&db, &["info"], &[("APPEAL_RECOVERY_KEY", &recovery)])
            .status
            .success()
    );

    // A new passphrase; the old one stops working.
    let new = "Quiet Orchard 41 under Slate";
    let changed = appeal(&db, &["db", "passphrase"]);
    assert!(!changed.status.success(), "no new passphrase given");
    let out = bare(&db)
        .env("APPEAL_NEW_PASSPHRASE", new)
        .args(["db", "passphrase"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!appeal(&db, &["info"]).status.success());
    let as_new = |args: &[&str]| with_env(&db, args, &[("APPEAL_PASSPHRASE", new)]);
    assert!(as_new(&["info"]).status.success());

    // A backup; someone erased; the backup restored; they stay erased.
    let copy = dir.path().join("tuesday.db");
    assert!(
        as_new(&["db", "backup", copy.to_str().unwrap()])
            .status
            .success()
    );
    assert!(Path::new(&format!("{}.keys", copy.display())).exists());
    let anna = as_new(&["--json", "signatory", "list", "--search", "petrova"]);
    let anna: Value = serde_json::from_slice(&anna.stdout).unwrap();
    let id = anna["rows"][0]["id"].to_string();
    let erased = as_new(&["signatory", "erase", &id, "--yes"]);
    assert!(erased.status.success(), "{}", stderr(&erased));
    let restored = as_new(&["--json", "db", "restore", copy.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let report: Value = serde_json::from_slice(&restored.stdout).unwrap();
    assert_eq!(report["erased_again"], 1, "{report}");
    let info: Value = serde_json::from_slice(&as_new(&["--json", "info"]).stdout).unwrap();
    assert_eq!(info["signatories"].as_i64(), Some(n - 1));
}

/// A plaintext database of `rows` people, as every user has one today, made by the core of
/// an earlier kind (no key).
fn plaintext_db(path: &Path, rows: usize) {
    let csv = path.with_extension("csv");
    let mut text = String::from("first_name,last_name,email,city\n");
    for i in 0..rows {
        text.push_str(&format!("Vera{i},Lindqvist,vera.{i}@example.org,Örebro\n"));
    }
    std::fs::write(&csv, text).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = appeal_core::Db::open(path).await.unwrap();
        appeal_core::imports::run(
            &db,
            &csv,
            &Default::default(),
            &appeal_core::progress::Silent,
        )
        .await
        .unwrap();
        db.close().await;
    });
}

/// Runs `args`, kills it with SIGKILL after `after`, and waits for it.
fn killed_after(db: &Path, args: &[&str], after: Duration) {
    let mut child = bare(db)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

/// Whatever the moment of the kill, the database opens afterwards (as plaintext or
/// encrypted) with every row, and nothing of the conversion is left beside it.
#[test]
fn a_kill_9_while_encrypting_or_rotating_leaves_one_complete_database() {
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("master.db");
    let rows = 30_000;
    plaintext_db(&master, rows);
    let delays = [0, 15, 40, 80, 120, 200, 300, 500, 800];
    let (mut plain, mut encrypted) = (0, 0);
    for (i, ms) in delays.iter().enumerate() {
        let db = dir.path().join(format!("e{i}.db"));
        std::fs::copy(&master, &db).unwrap();
        killed_after(&db, &["db", "encrypt"], Duration::from_millis(*ms));
        assert_eq!(people(&db), rows as i64, "killed after {ms} ms");
        match ok_json(&db, &["db", "status"])["state"].as_str() {
            Some("plaintext") => plain += 1,
            Some("encrypted") => encrypted += 1,
            other => panic!("{other:?}"),
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(&format!("e{i}.db")))
            .collect();
        assert!(
            names
                .iter()
                .all(|n| !n.contains("converting") && !n.contains("plaintext-old")),
            "{names:?}"
        );
    }
    eprintln!("after the kills: {plain} plaintext, {encrypted} encrypted");

    let db = dir.path().join("r.db");
    std::fs::copy(&master, &db).unwrap();
    assert!(appeal(&db, &["db", "encrypt"]).status.success());
    for ms in delays {
        killed_after(&db, &["db", "rotate-key"], Duration::from_millis(ms));
        assert_eq!(people(&db), rows as i64, "killed after {ms} ms");
        assert_eq!(ok_json(&db, &["db", "status"])["state"], "encrypted");
    }
}

/// The whole flow of an organiser and a drafter with no network at all (a namespace of its
/// own, without even loopback up): Appeal Desk needs none.
#[test]
fn create_import_merge_and_export_with_no_network() {
    let unshare = Command::new("unshare").args(["--net", "true"]).status();
    assert!(
        unshare.is_ok_and(|s| s.success()),
        "this test needs `unshare --net` (util-linux, run as root)"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("offline.db");
    let offline = |args: &[&str]| -> Value {
        let out = Command::new("unshare")
            .arg("--net")
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_appeal"))
            .arg("--db")
            .arg(&db)
            .arg("--json")
            .args(args)
            .env("APPEAL_PASSPHRASE", PASSPHRASE)
            .env("APPEAL_TEST_KDF", "fast")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "appeal {args:?} offline: {}",
            stderr(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    };
    offline(&["db", "init"]);
    offline(&["campaign", "add", "Free N."]);
    offline(&["petition", "add", "--campaign", "Free N.", "Open letter"]);
    offline(&[
        "import",
        fixture("action_network.csv").to_str().unwrap(),
        "--petition",
        "Open letter",
    ]);
    offline(&[
        "target",
        "add",
        "--campaign",
        "Free N.",
        "--name",
        "Prosecutor General",
        "--email",
        "pg@gov.example",
        "--form-of-address",
        "Dear Prosecutor General",
    ]);
    let body = dir.path().join("body.md");
    std::fs::write(
        &body,
        "{{ target.form_of_address }},\n\nPlease release N.\n\n{{ signatory.full_name }}\n",
    )
    .unwrap();
    let tpl = offline(&[
        "template",
        "add",
        "--campaign",
        "Free N.",
        "--name",
        "Appeal",
        "--subject",
        "Release N.",
        "--body-file",
        body.to_str().unwrap(),
    ]);
    let m = offline(&[
        "mailing",
        "create",
        "--campaign",
        "Free N.",
        "--template",
        &tpl["id"].to_string(),
        "--name",
        "Letters",
        "--audience",
        "signatories-to-targets",
        "--from-name",
        "Free N. Committee",
        "--from-address",
        "letters@free-n.example.org",
    ]);
    let mid = m["id"].to_string();
    assert_eq!(offline(&["mailing", "merge", &mid])["messages"], 3);
    let eml = dir.path().join("eml");
    assert_eq!(
        offline(&[
            "mailing",
            "export",
            &mid,
            "--format",
            "eml",
            eml.to_str().unwrap()
        ])["messages"],
        3
    );
    let csv = dir.path().join("delivery.csv");
    assert_eq!(
        offline(&[
            "export",
            csv.to_str().unwrap(),
            "--petition",
            "1",
            "--preset",
            "delivery"
        ])["rows"],
        3
    );
    offline(&["db", "backup", dir.path().join("b.db").to_str().unwrap()]);
}

#[test]
#[ignore = "needs a Secret Service; scripts/test.sh runs it under dbus-run-session with gnome-keyring"]
fn a_remembered_key_opens_without_the_passphrase_and_forgetting_it_never_locks_anyone_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kept.db");
    let init = bare(&db)
        .args(["--json", "db", "init", "--remember"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(
        ok_json(&db, &["db", "status"])["remembered"]
            .as_bool()
            .unwrap()
    );
    assert!(
        with_env(&db, &["campaign", "add", "Free N."], &[])
            .status
            .success(),
        "opened from the keychain"
    );
    // The keychain's copy is the key, never the passphrase, and not in any file of ours.
    let keys = std::fs::read_to_string(format!("{}.keys", db.display())).unwrap();
    assert!(!keys.contains(PASSPHRASE));
    let locked = with_env(&db, &["db", "lock"], &[]);
    assert!(locked.status.success(), "{}", stderr(&locked));
    let after = with_env(&db, &["campaign", "list"], &[]);
    assert!(!after.status.success());
    assert!(stderr(&after).contains("encrypted"), "{}", stderr(&after));
    assert_eq!(
        ok_json(&db, &["campaign", "list"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
