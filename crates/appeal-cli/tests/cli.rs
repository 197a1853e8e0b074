//! The `appeal` binary, run as a user runs it, on a real database file.

mod common;

use std::path::PathBuf;

use common::{appeal, fixture, ok_json};

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    ok_json(&db, &["campaign", "add", "Free N."]);
    ok_json(
        &db,
        &["petition", "add", "--campaign", "Free N.", "Open letter"],
    );
    (dir, db)
}

#[test]
fn import_json_report_has_the_five_counts_and_the_rejected_rows() {
    let (_dir, db) = setup();
    let f = fixture("action_network.csv");
    let r = ok_json(
        &db,
        &["import", f.to_str().unwrap(), "--petition", "Open letter"],
    );
    for key in [
        "imported",
        "updated",
        "duplicates",
        "suppressed",
        "rejected",
    ] {
        assert!(r[key].is_i64(), "report has {key}: {r}");
    }
    assert_eq!(r["imported"], 3);
    assert_eq!(r["rejects"][0]["line"], 5);
    assert_eq!(
        r["rejects"][0]["reason"],
        "'mila@@example' is not an email address"
    );
    let page = ok_json(&db, &["signatory", "list", "--search", "weber"]);
    assert_eq!(page["total"], 1);
}

#[test]
fn dry_run_with_a_mapping_override_shows_the_mapping_and_stores_nothing() {
    let (_dir, db) = setup();
    let f = fixture("openpetition_cp1252.csv");
    let p = ok_json(
        &db,
        &[
            "import",
            f.to_str().unwrap(),
            "--dry-run",
            "--map",
            "Kommentar=ignore",
        ],
    );
    assert_eq!(p["encoding"], "windows-1252");
    assert_eq!(p["mapping"][6]["field"], "ignore");
    assert_eq!(p["report"]["imported"], 2);
    assert_eq!(ok_json(&db, &["info"])["signatories"], 0);
}

#[test]
fn undo_and_erase_and_export_from_the_command_line() {
    let (dir, db) = setup();
    let f = fixture("action_network.csv");
    let r = ok_json(&db, &["import", f.to_str().unwrap(), "--petition", "1"]);
    let id = r["import_id"].as_i64().unwrap().to_string();
    let out = dir.path().join("list.csv");
    let e = ok_json(
        &db,
        &[
            "export",
            out.to_str().unwrap(),
            "--petition",
            "1",
            "--preset",
            "delivery",
        ],
    );
    assert_eq!(e["rows"], 3);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().next(),
        Some("first_name,last_name,town")
    );
    let erased = ok_json(&db, &["signatory", "erase", "1", "--yes"]);
    assert_eq!(erased["suppressed"], true);
    let u = ok_json(&db, &["imports", "undo", &id]);
    assert_eq!(u["removed"], 2);
    assert_eq!(ok_json(&db, &["info"])["signatories"], 0);
}

#[test]
fn errors_are_sentences_on_stderr_with_a_failing_exit_code() {
    let (_dir, db) = setup();
    let f = fixture("unterminated.csv");
    let out = appeal(&db, &["import", f.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unterminated.csv: line 3: a quoted field starts here and is never closed. Nothing was imported."), "{err}");
    let out = appeal(
        &db,
        &[
            "import",
            fixture("proca.csv").to_str().unwrap(),
            "--petition",
            "Nope",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no petition called \"Nope\""));
    let out = appeal(&db, &["signatory", "erase", "42", "--yes"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no signatory with id 42"));
}
