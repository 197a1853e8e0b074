//! Every encoding, delimiter and platform export the importer promises to read.

mod common;

use appeal_core::imports::{self, Field, FileFormat, ImportOptions};
use common::{fixture, fresh};

#[tokio::test]
async fn action_network_export_is_read_with_its_can2_columns() {
    let t = fresh().await;
    let r = t.import("action_network.csv").await;
    assert_eq!((r.rows, r.imported, r.duplicates, r.rejected), (5, 3, 1, 1));
    assert_eq!(
        t.field("anna.petrova@example.org", "town").await.as_deref(),
        Some("Berlin")
    );
    assert_eq!(
        t.field("anna.petrova@example.org", "postcode")
            .await
            .as_deref(),
        Some("10115")
    );
    let custom = t.field("anna.petrova@example.org", "custom").await.unwrap();
    assert!(
        custom.contains("\"can2_state_abbreviated\":\"BE\""),
        "unmapped column kept: {custom}"
    );
}

#[tokio::test]
async fn speakout_utf16le_tab_separated_is_decoded() {
    let t = fresh().await;
    let p = imports::preview(&t.db, &fixture("speakout_utf16.csv"), &t.opts())
        .await
        .unwrap();
    assert_eq!(p.encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(p.delimiter.as_deref(), Some("\t"));
    let field_of = |h: &str| p.mapping.iter().find(|m| m.header == h).unwrap().field;
    assert_eq!(field_of("Email Address"), Field::Email);
    assert_eq!(field_of("Post Code"), Field::Postcode);
    assert_eq!(field_of("Email Opt-in"), Field::Consent);
    assert_eq!(field_of("Date Signed"), Field::SignedAt);
    assert_eq!(field_of("Confirmed"), Field::Custom);
    let r = t.import("speakout_utf16.csv").await;
    assert_eq!(r.imported, 3);
    assert_eq!(
        t.field("soren@example.dk", "first_name").await.as_deref(),
        Some("Søren")
    );
    assert_eq!(
        t.field("ana@example.rs", "town").await.as_deref(),
        Some("Београд")
    );
    assert_eq!(
        t.field("soren@example.dk", "consent").await.as_deref(),
        Some("0")
    );
    assert_eq!(
        t.field("lea.dubois@example.fr", "consent").await.as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn proca_contact_prefixed_columns_are_recognised() {
    let t = fresh().await;
    let r = t.import("proca.csv").await;
    assert_eq!(r.imported, 2);
    assert_eq!(
        t.field("maja.horvat@example.hr", "first_name")
            .await
            .as_deref(),
        Some("Maja")
    );
    assert_eq!(
        t.field("tomas@example.cz", "consent").await.as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn russian_paper_sheet_in_windows_1251_without_email_dedupes_by_name_and_postcode() {
    let t = fresh().await;
    let p = imports::preview(&t.db, &fixture("paper_ru_cp1251.csv"), &t.opts())
        .await
        .unwrap();
    assert_eq!(p.encoding.as_deref(), Some("windows-1251"));
    assert_eq!(p.delimiter.as_deref(), Some(";"));
    assert_eq!(p.headers[0], "Имя");
    let r = t.import("paper_ru_cp1251.csv").await;
    assert_eq!((r.imported, r.duplicates, r.rejected), (3, 1, 0));
    // A name typed over two lines of its cell is kept, its lines joined, and the report points
    // at it (line 5, where the row starts) so the organiser can mend the name.
    let fold = &r.folds[0];
    assert_eq!(
        (r.folded, fold.line, fold.field.name(), fold.to.as_str()),
        (1, 5, "last_name", "Ив анов")
    );
    let key: String =
        sqlx::query_scalar("SELECT dedupe_key FROM signatories WHERE town = 'Казань'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(key, "n:ирина смирнова|p:420111");
}

#[tokio::test]
async fn german_windows_1252_semicolon_file_with_quoted_delimiters() {
    let t = fresh().await;
    let r = t.import("openpetition_cp1252.csv").await;
    assert_eq!((r.imported, r.rejected), (2, 1));
    assert_eq!(r.rejects[0].line, 4);
    assert!(
        r.rejects[0]
            .reason
            .contains("'vielleicht' is neither yes nor no")
    );
    assert_eq!(
        t.field("juergen.schaefer@example.de", "town")
            .await
            .as_deref(),
        Some("München")
    );
    assert_eq!(
        t.field("juergen.schaefer@example.de", "consent")
            .await
            .as_deref(),
        Some("1")
    );
    let comment: String =
        sqlx::query_scalar("SELECT comment FROM signatures WHERE comment IS NOT NULL")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(comment, "Frei; sofort!");
    // Every signature names the petition, the file and the import it came from.
    let wrong: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM signatures s JOIN imports i ON i.id = s.import_id
         WHERE s.petition_id IS NOT ? OR s.source IS NOT i.file_name OR s.created_at IS NULL",
    )
    .bind(t.petition)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    let all: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE import_id IS NOT NULL")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!((wrong, all > 0), (0, true));
}

#[tokio::test]
async fn the_encoding_and_delimiter_can_be_overridden() {
    let t = fresh().await;
    let wrong = ImportOptions {
        encoding: Some("windows-1252".into()),
        ..t.opts()
    };
    let p = imports::preview(&t.db, &fixture("paper_ru_cp1251.csv"), &wrong)
        .await
        .unwrap();
    assert_eq!(p.encoding.as_deref(), Some("windows-1252"));
    assert_ne!(
        p.headers[0], "Имя",
        "decoded with the encoding the user chose"
    );
    let bad = ImportOptions {
        encoding: Some("klingon".into()),
        ..t.opts()
    };
    let err = imports::preview(&t.db, &fixture("proca.csv"), &bad)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("'klingon' is not an encoding"),
        "{err}"
    );
    let semi = ImportOptions {
        delimiter: Some(";".into()),
        ..t.opts()
    };
    let p = imports::preview(&t.db, &fixture("proca.csv"), &semi)
        .await
        .unwrap();
    assert_eq!(
        p.headers.len(),
        1,
        "one column when split on the wrong delimiter"
    );
}

#[tokio::test]
async fn xlsx_and_ods_sheets_are_read_with_numbers_as_text() {
    for (name, format) in [
        ("sheet.xlsx", FileFormat::Xlsx),
        ("sheet.ods", FileFormat::Ods),
    ] {
        let t = fresh().await;
        let p = imports::preview(&t.db, &fixture(name), &t.opts())
            .await
            .unwrap();
        assert_eq!(p.format, format);
        assert_eq!(p.sheets, vec!["Unterschriften".to_string()]);
        let r = t.import(name).await;
        assert_eq!((r.imported, r.rejected), (3, 1), "{name}");
        assert_eq!(r.rejects[0].line, 5, "{name}");
        assert_eq!(
            t.field("greta@example.se", "postcode").await.as_deref(),
            Some("11122"),
            "{name}"
        );
        assert_eq!(
            t.field("alena@example.ru", "town").await.as_deref(),
            Some("Санкт-Петербург")
        );
    }
}

#[tokio::test]
async fn a_mapping_override_moves_a_column_and_ignore_drops_it() {
    let t = fresh().await;
    let headers = imports::headers(&fixture("action_network.csv"), &t.opts()).unwrap();
    let mut opts = t.opts();
    opts.mapping
        .push(imports::mapping::parse_override("can2_state_abbreviated=ignore", &headers).unwrap());
    opts.mapping
        .push(imports::mapping::parse_override("zip_code=custom", &headers).unwrap());
    t.import_with("action_network.csv", &opts).await;
    assert_eq!(t.field("anna.petrova@example.org", "postcode").await, None);
    let custom = t.field("anna.petrova@example.org", "custom").await.unwrap();
    assert_eq!(custom, r#"{"zip_code":"10115"}"#);
    let err = imports::mapping::parse_override("Nope=email", &headers).unwrap_err();
    assert!(err.to_string().contains("the file has no column \"Nope\""));
    let err = imports::mapping::parse_override("email=mail", &headers).unwrap_err();
    assert!(err.to_string().contains("'mail' is not a field"));
}
