//! The database file itself, browsing, editing and exporting.

mod common;

use std::path::PathBuf;

use appeal_core::export::{self, ExportOptions, ExportPreset};
use appeal_core::imports;
use appeal_core::signatories::{self, SignatoryQuery};
use appeal_core::{Db, Error};
use common::fresh;

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_with_a_clear_error() {
    let t = fresh().await;
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99991231235959, 'future', 1, x'00', 0)")
        .execute(t.db.pool())
        .await
        .unwrap();
    t.db.clone().close().await;
    let err = t.db.reopen().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerDatabase {
                found: 99991231235959,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("update Appeal Desk"));
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database ".repeat(200)).unwrap();
    let err = Db::open(&path).await.unwrap_err();
    assert!(
        err.to_string().contains("is not an Appeal Desk database"),
        "{err}"
    );
}

#[tokio::test]
async fn search_matches_word_prefixes_of_name_email_and_town_in_any_script() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    t.import("speakout_utf16.csv").await;
    let find = |s: &'static str| t.search(s);
    assert_eq!(find("petr").await.total, 1);
    assert_eq!(
        find("ham").await.rows[0].first_name.as_deref(),
        Some("Jonas")
    );
    assert_eq!(find("ИВАН").await.rows[0].town.as_deref(), Some("Београд"));
    assert_eq!(find("soren").await.total, 1, "diacritics are folded: Søren");
    assert_eq!(
        find("NEAR(\"zz*").await.total,
        0,
        "FTS syntax in the box is only words"
    );
    assert_eq!(
        find("org)").await.total,
        2,
        "a stray bracket is no syntax error: Anna and Jonas at example.org"
    );
    assert_eq!(find("").await.total, 6);
    assert_eq!(
        find("JONAS.weber@exa").await.rows[0].first_name.as_deref(),
        Some("Jonas"),
        "an address prefix"
    );
    assert_eq!(find("jonas.weber@example.org").await.total, 1);
    assert_eq!(find("nobody@example.org").await.total, 0);
    let page = signatories::list(
        &t.db,
        &SignatoryQuery {
            offset: 4,
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((page.total, page.rows.len()), (6, 2));
}

#[tokio::test]
async fn editing_checks_the_same_rules_as_importing_and_keeps_addresses_unique() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let anna = t.search("anna").await.rows[0].id;
    let mut f = signatories::get(&t.db, anna).await.unwrap().fields;
    f.town = Some("  Leipzig ".into());
    let saved = signatories::update(&t.db, anna, &f).await.unwrap();
    assert_eq!(saved.fields.town.as_deref(), Some("Leipzig"));
    assert_eq!(saved.petitions, vec!["Open letter".to_string()]);
    let found = t.search("leipzig").await;
    assert_eq!(
        found.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![anna],
        "the search index follows the edit"
    );
    f.email = Some("ivan@@mail".into());
    let err = signatories::update(&t.db, anna, &f).await.unwrap_err();
    assert_eq!(err.to_string(), "'ivan@@mail' is not an email address");
    f.email = Some("Jonas.Weber@example.org".into());
    let err = signatories::update(&t.db, anna, &f).await.unwrap_err();
    assert_eq!(err.code(), "conflict");
    signatories::delete(&t.db, anna).await.unwrap();
    assert_eq!(
        signatories::get(&t.db, anna).await.unwrap_err().code(),
        "not_found"
    );
}

#[tokio::test]
async fn export_neutralises_formulas_and_the_delivery_preset_keeps_only_name_and_town() {
    let t = fresh().await;
    t.import("hostile.csv").await;
    let out = t.path("delivery.csv");
    let opts = ExportOptions {
        petition_id: Some(t.petition),
        preset: ExportPreset::Delivery,
        columns: vec![],
        bom: true,
    };
    let r = export::export_signatures(&t.db, &out, &opts).await.unwrap();
    assert_eq!(r.rows, 5, "the hostile list's five stored people");
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("\u{feff}first_name,last_name,town"));
    assert_eq!(
        lines.next(),
        Some(r#""'=HYPERLINK(""http://evil"")",Evil,'+Town"#)
    );
    assert!(
        !text.contains("@example.org"),
        "no addresses in a delivery export"
    );

    let all = t.path("all.csv");
    let opts = ExportOptions {
        petition_id: None,
        preset: ExportPreset::All,
        columns: vec![],
        bom: false,
    };
    export::export_signatures(&t.db, &all, &opts).await.unwrap();
    let text = std::fs::read_to_string(&all).unwrap();
    assert!(text.starts_with("first_name,last_name,email,"));
    assert!(
        text.lines().next().unwrap().ends_with(",note"),
        "custom fields become columns"
    );
    assert!(
        text.contains(",'-tab@example.org,"),
        "a leading minus cannot start a formula"
    );

    let opts = ExportOptions {
        preset: ExportPreset::Custom,
        columns: vec!["shoe_size".into()],
        ..Default::default()
    };
    let err = export::export_signatures(&t.db, &all, &opts)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("there is no column \"shoe_size\""));
}

#[tokio::test]
async fn the_databases_own_files_are_refused_as_a_list_to_import_or_a_file_to_write() {
    // Opening and closing any descriptor on the database here would drop this process's locks
    // on it; writing an export over it would destroy it.
    let t = fresh().await;
    t.import("action_network.csv").await;
    let db_file = t.db.path().to_path_buf();
    let before = std::fs::read(&db_file).unwrap().len();
    let wal = PathBuf::from(format!("{}-wal", db_file.display()));
    for own in [&db_file, &wal] {
        let err = imports::preview(&t.db, own, &t.opts()).await.unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(
            err.to_string().contains("Appeal Desk's own database files"),
            "{err}"
        );
    }
    // The same file reached through another spelling of its folder.
    let dotted = db_file
        .parent()
        .unwrap()
        .join(".")
        .join(db_file.file_name().unwrap());
    let opts = ExportOptions {
        petition_id: None,
        preset: ExportPreset::All,
        columns: vec![],
        bom: false,
    };
    let err = export::export_signatures(&t.db, &dotted, &opts)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("own database files"), "{err}");
    assert!(std::fs::read(&db_file).unwrap().len() >= before);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM signatories").await,
        3,
        "the database is whole"
    );
}

/// The database, its -wal and -shm, and the folders made for it are its owner's alone,
/// whatever the umask; an older database readable by others is made private when opened.
#[tokio::test]
async fn the_database_and_its_folder_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("desk").join("data");
    let path = folder.join("a.db");
    let db = Db::open(&path).await.unwrap();
    sqlx::query(
        "INSERT INTO campaigns (name, created_at) VALUES ('Free N.', '2026-11-23T09:30:00Z')",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let side = |suffix: &str| PathBuf::from(format!("{}{suffix}", path.display()));
    assert!(side("-wal").exists() && side("-shm").exists());
    for p in [path.clone(), side("-wal"), side("-shm")] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&dir.path().join("desk")), 0o700);
    db.close().await;

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = Db::open(&path).await.unwrap();
    assert_eq!(mode(&path), 0o600);
    db.close().await;
}

/// A stored word this version never writes is damage, never a default: an unknown
/// subscription does not read as "unknown", an unknown message state is not counted as
/// uncertain. (The schema's CHECKs keep such words out; a file changed outside the app can
/// still hold them.)
#[tokio::test]
async fn an_unknown_stored_subscription_or_message_state_is_damage() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let mut conn = t.db.pool().acquire().await.unwrap();
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE signatories SET subscription = 'maybe' WHERE id = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let err = signatories::get(&t.db, 1).await.unwrap_err();
    assert_eq!(err.code(), "damaged", "{err}");
    assert!(err.to_string().contains("\"maybe\""), "{err}");
}
