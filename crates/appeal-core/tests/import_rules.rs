//! Deduplication, policies, suppression, hostile input, dry runs and undo.

mod common;

use std::collections::HashMap;

use appeal_core::erasure as erase;
use appeal_core::export::{self, ExportOptions, ExportPreset};
use appeal_core::imports::{self, ImportOptions, OnExisting};
use appeal_core::progress::Silent;
use common::{fixture, fresh};

#[tokio::test]
async fn the_same_address_in_another_case_is_one_person_within_a_file_and_across_imports() {
    let t = fresh().await;
    let first = t.import("action_network.csv").await;
    assert_eq!(first.duplicates, 1, "Jonas twice in the file");
    let again = t.import("action_network.csv").await;
    assert_eq!((again.imported, again.updated, again.duplicates), (0, 0, 4));
    assert_eq!(t.people().await, 3);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM signatures").await,
        3,
        "one signature per person and petition"
    );
}

#[tokio::test]
async fn fill_blanks_overwrite_and_keep_treat_an_existing_person_differently() {
    let csv = |t: &common::TestDb, body: &str| {
        let p = t.path("update.csv");
        std::fs::write(&p, body).unwrap();
        p
    };
    for (policy, town, phone) in [
        (OnExisting::FillBlanks, "Berlin", Some("+49 30 1234")),
        (OnExisting::Overwrite, "Potsdam", Some("+49 30 1234")),
        (OnExisting::Keep, "Berlin", None),
    ] {
        let t = fresh().await;
        t.import("action_network.csv").await;
        let path = csv(
            &t,
            "email,city,phone\nAnna.Petrova@example.org,Potsdam,+49 30 1234\n",
        );
        let opts = ImportOptions {
            on_existing: policy,
            ..t.opts()
        };
        let r = imports::run(&t.db, &path, &opts, &Silent).await.unwrap();
        let changed = policy != OnExisting::Keep;
        assert_eq!(
            (r.updated, r.duplicates),
            (changed as i64, !changed as i64),
            "{policy:?}"
        );
        assert_eq!(
            t.field("anna.petrova@example.org", "town").await.as_deref(),
            Some(town),
            "{policy:?}"
        );
        assert_eq!(
            t.field("anna.petrova@example.org", "phone")
                .await
                .as_deref(),
            phone,
            "{policy:?}"
        );
    }
}

#[tokio::test]
async fn hostile_rows_are_rejected_with_line_and_reason_and_the_rest_stored_verbatim() {
    let t = fresh().await;
    let r = t.import("hostile.csv").await;
    let got: Vec<(i64, &str)> = r
        .rejects
        .iter()
        .map(|x| (x.line, x.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (6, "the row has 7 cells but the header has 5 columns"),
            (
                7,
                "field \"note\" is 200000 characters long; at most 10000 are allowed"
            ),
            (8, "first name contains a control character (U+0000)"),
        ]
    );
    assert_eq!(r.imported, 5);
    assert_eq!(
        t.field("lb@example.org", "first_name").await.as_deref(),
        Some("Line Break"),
        "a name's line break is folded to a space, and the report says so"
    );
    assert_eq!(
        (r.folded, r.folds[0].line, r.folds[0].field.name()),
        (1, 4, "first_name")
    );
    assert_eq!(
        t.field("script@example.org", "first_name").await.as_deref(),
        Some("<script>alert(1)</script>"),
        "markup is data: stored as typed, escaped where shown"
    );
    assert_eq!(
        t.field("evil@example.org", "first_name").await.as_deref(),
        Some("=HYPERLINK(\"http://evil\")")
    );
    assert_eq!(
        t.field("short@example.org", "town").await,
        None,
        "a short row is padded, not rejected"
    );
    let saved = t.path("rejects.csv");
    let n = imports::save_rejects(&t.db, r.import_id.unwrap(), &saved)
        .await
        .unwrap();
    assert_eq!(n, 3);
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.starts_with(
        "\u{feff}first_name,last_name,email,town,note,Rejected line,Rejected because"
    ));
    let back = imports::preview(&t.db, &saved, &t.opts()).await.unwrap();
    assert_eq!(
        back.report.rows, 3,
        "the saved rejects can be fixed and read back"
    );
}

#[tokio::test]
async fn a_malformed_file_is_an_error_naming_the_line_and_stores_nothing() {
    let t = fresh().await;
    let err = imports::run(&t.db, &fixture("unterminated.csv"), &t.opts(), &Silent)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "malformed_file");
    assert!(
        err.to_string()
            .contains("line 3: a quoted field starts here and is never closed"),
        "{err}"
    );
    let err = imports::run(&t.db, &fixture("binary.csv"), &t.opts(), &Silent)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("does not look like a text table"),
        "{err}"
    );
    let err = imports::run(&t.db, &t.path("missing.csv"), &t.opts(), &Silent)
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("cannot read "), "{err}");
    assert_eq!(t.people().await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM imports").await, 0);
}

#[tokio::test]
async fn a_dry_run_counts_exactly_what_the_import_then_does_and_writes_nothing() {
    let t = fresh().await;
    t.import("proca.csv").await;
    let before = t.people().await;
    let p = imports::preview(&t.db, &fixture("action_network.csv"), &t.opts())
        .await
        .unwrap();
    assert!(p.report.dry_run);
    assert_eq!(p.drafts[0].first_name.as_deref(), Some("Anna"));
    assert_eq!(p.sample.len(), 5);
    assert_eq!(t.people().await, before, "the dry run stored nothing");
    assert_eq!(t.count("SELECT COUNT(*) FROM imports").await, 1);
    let r = t.import("action_network.csv").await;
    assert_eq!(
        (
            p.report.imported,
            p.report.updated,
            p.report.duplicates,
            p.report.rejected
        ),
        (r.imported, r.updated, r.duplicates, r.rejected)
    );
}

#[tokio::test]
async fn undo_removes_people_it_added_and_restores_people_it_changed() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let path = t.path("second.csv");
    std::fs::write(&path, "email,first_name,city,phone\nanna.petrova@example.org,Anna,Berlin,+49 1\nnew.person@example.org,Nova,Graz,\n").unwrap();
    let r = imports::run(&t.db, &path, &t.opts(), &Silent)
        .await
        .unwrap();
    assert_eq!((r.imported, r.updated), (1, 1));
    assert_eq!(
        t.field("anna.petrova@example.org", "phone")
            .await
            .as_deref(),
        Some("+49 1")
    );
    let u = imports::undo(&t.db, r.import_id.unwrap()).await.unwrap();
    assert_eq!((u.removed, u.restored, u.kept), (1, 1, 0));
    assert_eq!(
        t.field("anna.petrova@example.org", "phone").await,
        None,
        "Anna as she was"
    );
    assert_eq!(
        t.field("new.person@example.org", "email").await,
        None,
        "Nova gone"
    );
    let search = t.search("Nova").await;
    assert_eq!(search.total, 0, "and gone from search");
    let again = imports::undo(&t.db, r.import_id.unwrap())
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already undone"));
}

#[tokio::test]
async fn an_erased_person_is_gone_everywhere_and_not_brought_back_by_a_reimport() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM signatories WHERE dedupe_key = 'e:jonas.weber@example.org'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    // A rejected row of theirs from a later import must go too.
    let path = t.path("bad.csv");
    std::fs::write(
        &path,
        "email,first_name,consent\njonas.weber@example.org,Jonas,perhaps\n",
    )
    .unwrap();
    imports::run(&t.db, &path, &t.opts(), &Silent)
        .await
        .unwrap();
    let r = erase::erase(&t.db, id).await.unwrap();
    assert_eq!((r.signatures, r.rejected_rows, r.suppressed), (1, 1, true));
    assert_eq!(t.field("jonas.weber@example.org", "email").await, None);
    let hits = t.search("jonas").await;
    assert_eq!(hits.total, 0);
    let kept: Option<String> = sqlx::query_scalar("SELECT email FROM suppressions")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(kept, None, "only the hash is kept");
    let raw = std::fs::read(t.dir.path().join("test.db")).unwrap();
    assert!(
        !raw.windows(11).any(|w| w == b"jonas.weber"),
        "no trace left in the database file"
    );
    // Nor in the write-ahead log, though the imports before left checkpoints running.
    let wal = std::fs::read(t.dir.path().join("test.db-wal")).unwrap_or_default();
    assert!(
        !wal.windows(11).any(|w| w == b"jonas.weber"),
        "no trace left in the write-ahead log ({} bytes)",
        wal.len()
    );
    let again = t.import("action_network.csv").await;
    assert_eq!(
        (again.imported, again.suppressed),
        (0, 2),
        "both of his rows in the file"
    );
    assert_eq!(t.field("jonas.weber@example.org", "email").await, None);
}

#[tokio::test]
async fn suppression_by_address_skips_the_row_and_says_so() {
    let t = fresh().await;
    appeal_core::suppression::add(
        &t.db,
        " ANNA.petrova@example.org",
        appeal_core::suppression::SuppressionReason::Unsubscribed,
        true,
    )
    .await
    .unwrap();
    let r = t.import("action_network.csv").await;
    assert_eq!((r.imported, r.suppressed), (2, 1));
}

#[tokio::test]
async fn progress_is_reported_and_ends_at_the_whole_file() {
    let t = fresh().await;
    let path = t.path("many.csv");
    let mut body = String::from("email,first_name\n");
    for i in 0..10_000 {
        body.push_str(&format!("p{i}@example.org,Person{i}\n"));
    }
    std::fs::write(&path, &body).unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |p: imports::ImportProgress| seen.lock().unwrap().push(p);
    let r = imports::run(&t.db, &path, &t.opts(), &progress)
        .await
        .unwrap();
    assert_eq!(r.imported, 10_000);
    let seen = seen.into_inner().unwrap();
    assert!(
        seen.len() >= 3,
        "a report per batch of 4000 rows, got {}",
        seen.len()
    );
    assert!(
        seen.windows(2).all(|w| w[0].bytes <= w[1].bytes),
        "never goes backwards"
    );
    let last = seen.last().unwrap();
    assert_eq!((last.rows, last.bytes), (10_000, last.total_bytes));
}

/// The signature list exported for delivery (every column), read back with the csv crate:
/// a header row and one record per person, keyed by column name.
async fn exported(t: &common::TestDb, petition_id: Option<i64>) -> Vec<HashMap<String, String>> {
    let out = t.path("export.csv");
    let opts = ExportOptions {
        petition_id,
        preset: ExportPreset::All,
        columns: Vec::new(),
        bom: false,
    };
    export::export_signatures(&t.db, &out, &opts).await.unwrap();
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_line_break_typed_into_an_excel_cell_keeps_the_person_and_folds_one_line_fields() {
    let t = fresh().await;
    let r = t.import("multiline.xlsx").await;
    assert_eq!((r.imported, r.rejected), (2, 0), "{:?}", r.rejects);
    let folds: Vec<(i64, &str, &str)> = r
        .folds
        .iter()
        .map(|f| (f.line, f.field.name(), f.to.as_str()))
        .collect();
    assert_eq!(
        folds,
        [
            (2, "town", "Казань; Татарстан, ул. Баумана, 1"),
            (3, "first_name", "Ирина Мария"),
        ],
        "the report lists every folded cell; the street's lines are kept, not folded, and a \
         line break at the end of a cell (the postcode's) is trimmed like any other space"
    );
    assert_eq!(r.folded, 2);
    assert_eq!(r.folds[0].from, "Казань; Татарстан\nул. Баумана, 1");

    let rows = exported(&t, Some(t.petition)).await;
    let gulnara = rows
        .iter()
        .find(|r| r["email"] == "gulnara@example.ru")
        .unwrap();
    assert_eq!(
        gulnara["street"], "ул. Баумана, 1\nкв. 5",
        "the street keeps its two lines"
    );
    assert_eq!(gulnara["town"], "Казань; Татарстан, ул. Баумана, 1");
    assert_eq!(gulnara["signed_at"], "2026-10-05");
    assert_eq!(gulnara["comment"], "Свободу N.!\nПишу от всей семьи.");
    let irina = rows
        .iter()
        .find(|r| r["email"] == "irina@example.ru")
        .unwrap();
    assert_eq!(
        (irina["first_name"].as_str(), irina["postcode"].as_str()),
        ("Ирина Мария", "443001")
    );
    for row in &rows {
        for (column, value) in row {
            if column != "street" && column != "comment" {
                assert!(
                    !value.contains(['\n', '\r']),
                    "{column} is one line: {value:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn without_a_petition_the_date_and_comment_columns_are_kept_as_custom_fields() {
    let t = fresh().await;
    let opts = ImportOptions::default();
    let dry = imports::preview(&t.db, &fixture("multiline.xlsx"), &opts)
        .await
        .unwrap();
    assert_eq!(
        dry.report.kept_as_custom,
        ["Дата подписи", "Комментарий"],
        "the preview says which columns are kept as custom fields, before anything is stored"
    );
    let r = t.import_with("multiline.xlsx", &opts).await;
    assert_eq!(r.kept_as_custom, ["Дата подписи", "Комментарий"]);
    assert_eq!(r.imported, 2);
    let rows = exported(&t, None).await;
    let gulnara = rows
        .iter()
        .find(|r| r["email"] == "gulnara@example.ru")
        .unwrap();
    assert_eq!(gulnara["Дата подписи"], "2026-10-05");
    assert_eq!(gulnara["Комментарий"], "Свободу N.!\nПишу от всей семьи.");

    // With a petition they are the signature's, and no custom field is made of them.
    let t = fresh().await;
    let r = t.import("multiline.xlsx").await;
    assert!(r.kept_as_custom.is_empty());
    let rows = exported(&t, Some(t.petition)).await;
    assert!(!rows[0].contains_key("Дата подписи"));
    assert_eq!(rows[0]["signed_at"], "2026-10-05");
}
