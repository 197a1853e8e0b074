//! Merge benchmark: ROWS signatories (default 1,000,000) get one letter each, rendered from a
//! Markdown template with merge fields into the outbox; then the outbox is exported as CSV.
//! Prints a report; run with `cargo bench -p appeal-core --bench merge` (ROWS=100000 for a
//! quick look).

use std::io::{BufWriter, Write};
use std::time::Instant;

mod common;

use appeal_core::imports::{self, ImportOptions};
use appeal_core::mailings::handover::{self, HandoverFormat};
use appeal_core::mailings::{self, AudienceFilter, AudienceKind, MailingDraft};
use appeal_core::progress::Silent;
use appeal_core::templates::{self, TemplateDraft, TemplateVariant};
use appeal_core::{Db, campaigns};
use common::peak_rss_mb;

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    let mut w = BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(w, "first_name,last_name,email,city,language").unwrap();
    for i in 0..rows {
        let lang = ["en", "ru", "de"][i % 3];
        writeln!(
            w,
            "Person{i},Example,person{i}@example.org,Town{},{lang}",
            i % 100
        )
        .unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let db = Db::open(dir.path().join("bench.db")).await.unwrap();
    let c = campaigns::create_campaign(&db, "Bench").await.unwrap();
    let p = campaigns::create_petition(&db, c.id, "Bench petition")
        .await
        .unwrap();
    imports::run(
        &db,
        &csv,
        &ImportOptions {
            petition_id: Some(p.id),
            ..Default::default()
        },
        &Silent,
    )
    .await
    .unwrap();
    let body = "Dear {{ signatory.first_name }},\n\nThank you for signing **{{ campaign.name }}** from {{ signatory.town }}.\n\n{% if signatory.language == 'de' %}Danke!{% else %}Thank you!{% endif %}\n\n{{ today }}\n";
    let variants = ["en", "ru", "de"]
        .map(|l| TemplateVariant {
            language: l.into(),
            subject: format!("[{l}] Free N. — {{{{ signatory.first_name }}}}"),
            body: body.into(),
        })
        .to_vec();
    let t = templates::save(
        &db,
        &TemplateDraft {
            id: None,
            campaign_id: c.id,
            name: "Thanks".into(),
            fallback_language: "en".into(),
            variants,
            attachments: vec![],
        },
    )
    .await
    .unwrap();
    let m = mailings::create(
        &db,
        &MailingDraft {
            campaign_id: c.id,
            template_id: t.id,
            name: "Thanks".into(),
            audience: AudienceKind::Signatories,
            filter: AudienceFilter {
                petition_id: Some(p.id),
                ..Default::default()
            },
            from_name: "Free N. Committee".into(),
            from_address: "letters@free-n.example.org".into(),
            reply_to: None,
        },
    )
    .await
    .unwrap();
    let rss_before = peak_rss_mb();
    let start = Instant::now();
    let r = mailings::merge(&db, m.id, false, &Silent).await.unwrap();
    let merge_time = start.elapsed();
    assert_eq!(r.messages as usize, rows);
    let rss_merge = peak_rss_mb();

    let out = dir.path().join("outbox.csv");
    let start = Instant::now();
    handover::export(&db, m.id, HandoverFormat::Csv, &out)
        .await
        .unwrap();
    let export_time = start.elapsed();
    let bytes = std::fs::metadata(&out).unwrap().len();

    println!("merge benchmark: {rows} messages (3 languages, Markdown to HTML, 5 merge fields)");
    println!("  merge time       {:>8.2} s", merge_time.as_secs_f64());
    println!(
        "  throughput       {:>8.0} messages/s",
        rows as f64 / merge_time.as_secs_f64()
    );
    println!(
        "  peak memory      {:>8.1} MB before the merge, {:.1} MB after (VmHWM)",
        rss_before, rss_merge
    );
    println!(
        "  CSV export       {:>8.2} s, {:.0} MB, {:.0} MB/s",
        export_time.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / export_time.as_secs_f64()
    );
    db.close().await;
}
