//! Shared by the benchmark binaries.

#![allow(dead_code)]

use std::io::{BufWriter, Write};
use std::path::Path;

use appeal_core::imports::{self, ImportOptions};
use appeal_core::mailings::{self, AudienceFilter, AudienceKind, MailingDraft};
use appeal_core::progress::Silent;
use appeal_core::templates::{self, TemplateDraft, TemplateVariant};
use appeal_core::{Db, campaigns};

/// A new database at `path`: encrypted with a random key (as the app makes them), or
/// plaintext (as every one was before), to print both figures side by side.
pub async fn open_db(path: &Path, encrypted: bool) -> Db {
    if encrypted {
        Db::open_encrypted(path, appeal_core::vault::DataKey::random())
            .await
            .unwrap()
    } else {
        Db::open(path).await.unwrap()
    }
}

/// A database in `dir` with `rows` signatories and a mailing to all of them (3 languages,
/// Markdown, 5 merge fields), not merged yet.
pub async fn unmerged_mailing(dir: &Path, rows: usize, encrypted: bool) -> (Db, i64) {
    unmerged_mailing_with(dir, rows, vec![], encrypted).await
}

/// As [`unmerged_mailing`], with these files attached to every letter.
pub async fn unmerged_mailing_with(
    dir: &Path,
    rows: usize,
    attachments: Vec<String>,
    encrypted: bool,
) -> (Db, i64) {
    let csv = dir.join("people.csv");
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
    let db = open_db(&dir.join("bench.db"), encrypted).await;
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
            attachments,
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
                // The generated list says nothing about consent, as most platform exports.
                consent: appeal_core::mailings::Consent::GivenOrUnknown,
                ..Default::default()
            },
            from_name: "Free N. Committee".into(),
            from_address: "letters@free-n.example.org".into(),
            reply_to: None,
            unsubscribe_url: None,
        },
    )
    .await
    .unwrap();
    (db, m.id)
}

/// The process's peak resident memory so far (VmHWM), in MB.
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// The process's resident memory now (VmRSS), in MB.
pub fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time the process has used so far (user + system), in seconds.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}
