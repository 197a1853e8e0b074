//! Safe keeping on real files: what an encrypted database, its write-ahead log and its
//! backups hold as bytes, who opens them, conversions, restore and retention.

mod common;

use std::path::{Path, PathBuf};

use appeal_core::campaigns;
use appeal_core::imports::{self, ImportOptions};
use appeal_core::progress::Silent;
use appeal_core::signatories::{self, SignatoryQuery};
use appeal_core::vault::{self, FileState, KdfCost, Unlock, backup};
use appeal_core::{Clock, Db, Error, retention};
use common::{TEST_NOW, fixture};
use zeroize::Zeroizing;

const PASS: &str = "Mossy-Lantern 7 Harbour Quill";
const FAST: KdfCost = KdfCost {
    m_kib: 64,
    t: 1,
    p: 1,
};

fn pass(p: &str) -> Unlock {
    Unlock::Passphrase(Zeroizing::new(p.to_string()))
}

/// Names, addresses and towns of the fixtures imported below, as they appear in the files.
const NEEDLES: [&str; 8] = [
    "maja.horvat@example.hr",
    "tomas@example.cz",
    "Maja",
    "Tomas",
    "example.hr",
    "Petrova",
    "Hamburg",
    "@example",
];

fn side(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

/// Every needle absent from every byte of the file (and its -wal, -shm) at `path`.
fn assert_no_plaintext(path: &Path) {
    for file in [path.to_path_buf(), side(path, "-wal"), side(path, "-shm")] {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        for needle in NEEDLES {
            let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
            assert!(!found, "{needle:?} occurs in {}", file.display());
        }
    }
}

async fn filled(dir: &Path) -> (Db, String) {
    let path = dir.join("desk.db");
    let (db, keys) = vault::create_with(&path, PASS, false, FAST).await.unwrap();
    let db = db.with_clock(Clock::starting_at(TEST_NOW));
    let c = campaigns::create_campaign(&db, "Free N.").await.unwrap();
    let p = campaigns::create_petition(&db, c.id, "Open letter")
        .await
        .unwrap();
    let opts = ImportOptions {
        petition_id: Some(p.id),
        ..Default::default()
    };
    for f in ["proca.csv", "action_network.csv"] {
        imports::run(&db, &fixture(f), &opts, &Silent)
            .await
            .unwrap();
    }
    (db, keys.recovery_key)
}

async fn people(db: &Db) -> i64 {
    signatories::list(
        db,
        &SignatoryQuery {
            limit: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .total
}

#[tokio::test]
async fn no_name_address_or_town_occurs_in_the_database_its_log_or_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = filled(dir.path()).await;
    // The fixtures hold the needles: the test could fail.
    let plain = std::fs::read_to_string(fixture("action_network.csv")).unwrap()
        + &std::fs::read_to_string(fixture("proca.csv")).unwrap();
    for needle in NEEDLES {
        assert!(plain.contains(needle), "{needle} is in the fixtures");
    }
    assert!(people(&db).await > 4);
    assert!(
        side(db.path(), "-wal").exists(),
        "the log is searched while the app is open"
    );
    assert_no_plaintext(db.path());
    let copy = dir.path().join("copy.db");
    backup::backup(&db, &copy).await.unwrap();
    assert_no_plaintext(&copy);
    assert_no_plaintext(db.path());
    db.close().await;
    // The stock sqlite3 tool cannot read it.
    let out = std::process::Command::new("sqlite3")
        .arg(dir.path().join("desk.db"))
        .arg("SELECT COUNT(*) FROM signatories")
        .output();
    if let Ok(out) = out {
        assert!(!out.status.success(), "sqlite3 read the encrypted file");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a database"));
    }
    use std::os::unix::fs::PermissionsExt;
    for f in [
        dir.path().join("desk.db.keys"),
        copy.clone(),
        side(&copy, ".keys"),
    ] {
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }
}

#[tokio::test]
async fn only_the_passphrase_or_the_recovery_key_opens_it_and_a_wrong_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, recovery) = filled(dir.path()).await;
    let n = people(&db).await;
    let path = db.path().to_path_buf();
    db.close().await;
    assert_eq!(vault::file_state(&path).unwrap(), FileState::Encrypted);
    let before = (
        std::fs::read(&path).unwrap(),
        std::fs::read(side(&path, ".keys")).unwrap(),
    );
    let err = vault::unlock(&path, pass("Mossy-Lantern 7 Harbour quill"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongKey(_)), "{err}");
    assert_eq!(err.code(), "wrong_key");
    assert!(err.to_string().contains("nothing was changed"));
    let err = vault::unlock(
        &path,
        Unlock::RecoveryKey(Zeroizing::new("AAAA-".repeat(7) + "AAAA")),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::WrongKey(_)), "{err}");
    assert!(Db::open(&path).await.is_err(), "no key, no database");
    assert_eq!(
        before,
        (
            std::fs::read(&path).unwrap(),
            std::fs::read(side(&path, ".keys")).unwrap()
        )
    );
    let db = vault::unlock(&path, pass(PASS)).await.unwrap();
    assert_eq!(people(&db).await, n);
    db.close().await;
    let typed = recovery.to_lowercase().replace('-', " ");
    let db = vault::unlock(&path, Unlock::RecoveryKey(Zeroizing::new(typed)))
        .await
        .unwrap();
    assert_eq!(people(&db).await, n);
    db.close().await;
}

#[tokio::test]
async fn a_new_passphrase_keeps_the_data_and_the_old_one_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let (db, recovery) = filled(dir.path()).await;
    let (path, n) = (db.path().to_path_buf(), people(&db).await);
    let new = "Quiet Orchard 41 under Slate";
    // Changed while the database is open: nothing else is touched.
    vault::change_passphrase(&path, pass(PASS), new)
        .await
        .unwrap();
    assert_eq!(people(&db).await, n);
    db.close().await;
    assert!(matches!(
        vault::unlock(&path, pass(PASS)).await.unwrap_err(),
        Error::WrongKey(_)
    ));
    assert_eq!(
        people(&vault::unlock(&path, pass(new)).await.unwrap()).await,
        n
    );
    let weak = vault::change_passphrase(&path, pass(new), "password1")
        .await
        .unwrap_err();
    assert!(weak.to_string().contains("too weak"), "{weak}");
    // A new recovery key: the old one stops working.
    let fresh = vault::new_recovery_key(&path, pass(new)).await.unwrap();
    assert!(
        vault::unlock(&path, Unlock::RecoveryKey(Zeroizing::new(recovery)))
            .await
            .is_err()
    );
    let db = vault::unlock(
        &path,
        Unlock::RecoveryKey(Zeroizing::new(fresh.recovery_key)),
    )
    .await
    .unwrap();
    assert_eq!(people(&db).await, n);
    db.close().await;
}

#[tokio::test]
async fn a_plaintext_database_is_encrypted_in_place_and_its_old_file_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let db = Db::open(&path).await.unwrap();
    let c = campaigns::create_campaign(&db, "Free N.").await.unwrap();
    let p = campaigns::create_petition(&db, c.id, "Open letter")
        .await
        .unwrap();
    let opts = ImportOptions {
        petition_id: Some(p.id),
        ..Default::default()
    };
    imports::run(&db, &fixture("action_network.csv"), &opts, &Silent)
        .await
        .unwrap();
    let n = people(&db).await;
    // Refused while the database is open elsewhere.
    let busy = vault::encrypt(&path, PASS, false).await.unwrap_err();
    assert!(busy.to_string().contains("another program"), "{busy}");
    assert_eq!(vault::file_state(&path).unwrap(), FileState::Plaintext);
    db.close().await;
    let keys = vault::encrypt(&path, PASS, false).await.unwrap();
    assert_eq!(vault::file_state(&path).unwrap(), FileState::Encrypted);
    assert_no_plaintext(&path);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the database and its key file: {leftovers:?}"
    );
    let db = vault::unlock(
        &path,
        Unlock::RecoveryKey(Zeroizing::new(keys.recovery_key)),
    )
    .await
    .unwrap();
    assert_eq!(people(&db).await, n);
    // The search index came along.
    let q = SignatoryQuery {
        search: Some("petr".into()),
        limit: 5,
        ..Default::default()
    };
    assert_eq!(signatories::list(&db, &q).await.unwrap().total, 1);
    db.close().await;
}

#[tokio::test]
async fn rotating_the_data_key_keeps_every_row_and_retires_the_old_recovery_key() {
    let dir = tempfile::tempdir().unwrap();
    let (db, recovery) = filled(dir.path()).await;
    let (path, n) = (db.path().to_path_buf(), people(&db).await);
    let old = std::fs::read(&path).unwrap();
    db.close().await;
    let keys = vault::rotate_key(&path, PASS).await.unwrap();
    assert_ne!(std::fs::read(&path).unwrap()[..4096], old[..4096]);
    assert!(
        vault::unlock(&path, Unlock::RecoveryKey(Zeroizing::new(recovery)))
            .await
            .is_err()
    );
    let db = vault::unlock(&path, pass(PASS)).await.unwrap();
    assert_eq!(people(&db).await, n);
    db.close().await;
    let db = vault::unlock(
        &path,
        Unlock::RecoveryKey(Zeroizing::new(keys.recovery_key)),
    )
    .await
    .unwrap();
    assert_eq!(people(&db).await, n);
    let q = SignatoryQuery {
        search: Some("maja".into()),
        limit: 5,
        ..Default::default()
    };
    assert_eq!(signatories::list(&db, &q).await.unwrap().total, 1);
    db.close().await;
}

#[tokio::test]
async fn a_backup_opens_with_the_passphrase_and_restoring_it_erases_again_who_was_erased_since() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = filled(dir.path()).await;
    let n = people(&db).await;
    let copy = dir.path().join("monday.db");
    let made = backup::backup(&db, &copy).await.unwrap();
    assert!(made.bytes > 0);
    // The backup opens on its own with the passphrase, as a database.
    let b = vault::unlock(&copy, pass(PASS)).await.unwrap();
    assert_eq!(people(&b).await, n);
    b.close().await;
    // After the backup: one person erased on request.
    let page = signatories::list(
        &db,
        &SignatoryQuery {
            search: Some("maja".into()),
            limit: 5,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let maja = page.rows[0].id;
    appeal_core::erasure::erase(&db, maja).await.unwrap();
    assert_eq!(people(&db).await, n - 1);
    let report = backup::restore(db, &copy, None).await.unwrap();
    assert_eq!(report.erased_again, 1, "{report:?}");
    assert_eq!(report.signatories, n - 1);
    assert!(Path::new(&report.previous_kept_as).exists());
    let path = dir.path().join("desk.db");
    let db = vault::unlock(&path, pass(PASS)).await.unwrap();
    assert_eq!(people(&db).await, n - 1);
    assert!(
        appeal_core::suppression::contains(&db, "maja.horvat@example.hr")
            .await
            .unwrap()
    );
    assert_no_plaintext(&path);
    // A damaged backup is refused before anything is replaced.
    let bad = dir.path().join("bad.db");
    std::fs::copy(&copy, &bad).unwrap();
    std::fs::copy(side(&copy, ".keys"), side(&bad, ".keys")).unwrap();
    let mut bytes = std::fs::read(&bad).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 64].fill(0x5a);
    std::fs::write(&bad, bytes).unwrap();
    let before = people(&db).await;
    let err = backup::restore(db, &bad, None).await.unwrap_err();
    let db = vault::unlock(&path, pass(PASS)).await.unwrap();
    assert_eq!(people(&db).await, before, "{err}");
    db.close().await;
}

#[tokio::test]
async fn automatic_backups_keep_the_newest_and_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = filled(dir.path()).await;
    let folder = dir.path().join("usb");
    std::fs::create_dir(&folder).unwrap();
    let settings = backup::BackupSettings {
        folder: Some(folder.display().to_string()),
        every_hours: 24,
        keep: 2,
    };
    backup::set_settings(&db, &settings).await.unwrap();
    let mut day = TEST_NOW;
    for _ in 0..4 {
        let db = db.clone().with_clock(Clock::starting_at(day));
        assert!(backup::run_due(&db).await.unwrap().is_some());
        assert!(
            backup::run_due(&db).await.unwrap().is_none(),
            "not due again the same day"
        );
        day += time::Duration::days(1);
    }
    let list = backup::list(&folder).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].taken_at, "2026-11-26T09:30:00Z");
    assert!(side(Path::new(&list[0].path), ".keys").exists());
    db.close().await;
}

#[tokio::test]
async fn retention_purges_only_supporters_with_no_newer_activity_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = filled(dir.path()).await;
    let n = people(&db).await;
    let free = campaigns::find_campaign(&db, "Free N.").await.unwrap();
    // Nothing is due while retention is off.
    assert_eq!(retention::purge(&db, true).await.unwrap().people, 0);
    retention::set(&db, free.id, Some(24)).await.unwrap();
    // Someone who signed another campaign's petition recently is kept.
    let other = campaigns::create_campaign(&db, "Letters to the court")
        .await
        .unwrap();
    let letter = campaigns::create_petition(&db, other.id, "Letter")
        .await
        .unwrap();
    let tomas: i64 =
        sqlx::query_scalar("SELECT id FROM signatories WHERE dedupe_key = 'e:tomas@example.cz'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    sqlx::query("INSERT INTO signatures (signatory_id, petition_id, signed_at, created_at) VALUES (?, ?, '2028-06-01', '2028-06-01T00:00:00Z')")
        .bind(tomas)
        .bind(letter.id)
        .execute(db.pool())
        .await
        .unwrap();
    // Today: the imports are weeks old, nobody is due.
    assert_eq!(retention::due(&db).await.unwrap().len(), 0);
    // Three years on.
    let later = db
        .clone()
        .with_clock(Clock::starting_at(TEST_NOW + time::Duration::days(3 * 365)));
    let dry = retention::purge(&later, true).await.unwrap();
    assert_eq!(dry.people, n - 1, "everyone but Tomas: {dry:?}");
    assert!(dry.signatures >= dry.people);
    assert_eq!(people(&db).await, n, "a dry run changes nothing");
    let shown = retention::show(&later).await.unwrap();
    assert_eq!(
        shown.iter().find(|c| c.campaign == "Free N.").unwrap().due,
        n - 1
    );
    let done = retention::purge(&later, false).await.unwrap();
    assert_eq!((done.people, done.suppressed), (n - 1, n - 1));
    assert_eq!(people(&db).await, 1);
    assert!(
        appeal_core::suppression::contains(&db, "maja.horvat@example.hr")
            .await
            .unwrap()
    );
    assert!(retention::set(&db, free.id, Some(0)).await.is_err());
    db.close().await;
}
