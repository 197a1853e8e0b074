//! Targets, templates, merging and hand-over exports, on a real database file.

mod common;

use appeal_core::erasure as erase;
use appeal_core::mailings::handover::{self, HandoverFormat};
use appeal_core::mailings::{
    self, AudienceFilter, AudienceKind, Consent, LeftOutReason, MailingDraft, messages,
};
use appeal_core::progress::Silent;
use appeal_core::targets::{self, TargetFields};
use appeal_core::templates::format_date;
use appeal_core::templates::render::{Context, render};
use appeal_core::templates::{self, TemplateDraft, TemplatePart, TemplateVariant};
use common::{TestDb, fresh, fresh_at};
use mail_parser::{MessageParser, MimeHeaders};

fn variant(language: &str, subject: &str, body: &str) -> TemplateVariant {
    TemplateVariant {
        language: language.into(),
        subject: subject.into(),
        body: body.into(),
    }
}

async fn campaign_id(t: &TestDb) -> i64 {
    appeal_core::campaigns::get_petition(&t.db, t.petition)
        .await
        .unwrap()
        .campaign_id
}

async fn prosecutor(t: &TestDb, email: Option<&str>, language: &str) -> i64 {
    let fields = TargetFields {
        name: "Prosecutor General".into(),
        title: Some("Prosecutor General".into()),
        organisation: Some("Office of the Prosecutor".into()),
        email: email.map(str::to_string),
        address: Some("1 Justice Square\n101000 Capital".into()),
        country: Some("XX".into()),
        language: Some(language.into()),
        form_of_address: Some(
            if language == "ru" {
                "Уважаемый господин Генеральный прокурор"
            } else {
                "Dear Prosecutor General"
            }
            .into(),
        ),
    };
    targets::create(&t.db, campaign_id(t).await, &fields)
        .await
        .unwrap()
        .id
}

/// What a Python script (Debian's python3, its email package) prints as JSON about a file.
fn python_reads(script: &str, file: &std::path::Path) -> serde_json::Value {
    let out = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn template(t: &TestDb, variants: Vec<TemplateVariant>) -> i64 {
    let draft = TemplateDraft {
        id: None,
        campaign_id: campaign_id(t).await,
        name: "Appeal".into(),
        fallback_language: "en".into(),
        variants,
        attachments: vec![],
    };
    templates::save(&t.db, &draft).await.unwrap().id
}

/// A mailing to the test petition's people. The fixtures are platform exports that mostly do
/// not say whether people may be contacted, so letters to supporters here also go to people
/// whose consent is not known (the default asks for a yes: see the consent test).
async fn mailing(t: &TestDb, template_id: i64, audience: AudienceKind) -> i64 {
    mailing_with(t, template_id, audience, Consent::GivenOrUnknown).await
}

async fn mailing_with(
    t: &TestDb,
    template_id: i64,
    audience: AudienceKind,
    consent: Consent,
) -> i64 {
    let d = MailingDraft {
        campaign_id: campaign_id(t).await,
        template_id,
        name: format!("November letters ({consent:?})"),
        audience,
        filter: AudienceFilter {
            petition_id: Some(t.petition),
            consent,
            ..Default::default()
        },
        from_name: "Free N. Committee".into(),
        from_address: "letters@free-n.example.org".into(),
        reply_to: None,
        unsubscribe_url: None,
    };
    mailings::create(&t.db, &d).await.unwrap().id
}

#[tokio::test]
async fn an_unknown_field_is_named_with_the_closest_one_and_syntax_errors_with_line_and_column() {
    let t = fresh().await;
    let known = templates::fields(&t.db, campaign_id(&t).await)
        .await
        .unwrap();
    let draft = TemplateDraft {
        id: None,
        campaign_id: 1,
        name: "x".into(),
        fallback_language: "en".into(),
        attachments: vec![],
        variants: vec![
            variant(
                "en",
                "Free N., {{ signatory.frist_name }}",
                "Hello\n{{ target.form_of_adress }},\n",
            ),
            variant(
                "ru",
                "Тема",
                "Строка\n\n{% if signatory.town %}{{ signatory.town }\n",
            ),
        ],
    };
    let problems = templates::check(&draft, &known);
    type Seen<'a> = (&'a str, TemplatePart, Option<u32>, Option<u32>, &'a str);
    let got: Vec<Seen> = problems
        .iter()
        .map(|p| {
            (
                p.language.as_str(),
                p.part,
                p.line,
                p.column,
                p.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got[0],
        (
            "en",
            TemplatePart::Subject,
            Some(1),
            Some(13),
            "unknown field signatory.frist_name; did you mean signatory.first_name?"
        )
    );
    assert_eq!(
        got[1],
        (
            "en",
            TemplatePart::Body,
            Some(2),
            Some(4),
            "unknown field target.form_of_adress; did you mean target.form_of_address?"
        )
    );
    assert_eq!(
        (got[2].0, got[2].1, got[2].2),
        ("ru", TemplatePart::Body, Some(3))
    );
    assert!(got[2].4.starts_with("syntax error"), "{}", got[2].4);
    assert_eq!(problems.len(), 3);
}

#[tokio::test]
async fn rendering_escapes_merged_values_in_html_keeps_them_in_text_and_picks_the_language() {
    let t = fresh().await;
    t.import("hostile.csv").await;
    let scripter = t.search("scripter").await.rows[0].id;
    let person = appeal_core::signatories::get(&t.db, scripter)
        .await
        .unwrap()
        .fields;
    let draft = TemplateDraft {
        id: None,
        campaign_id: 1,
        name: "x".into(),
        fallback_language: "en".into(),
        attachments: vec![],
        variants: vec![
            variant(
                "en",
                "A letter from {{ signatory.first_name }} 🕊",
                "**Dear** friends,\n\n{{ signatory.first_name }} signed{% if signatory.town %} in {{ signatory.town }}{% endif %}.\n{{ signatory.phone | default('no phone') }}\n",
            ),
            variant("ru", "Письмо", "Дата: {{ today }}"),
        ],
    };
    let ctx = Context {
        signatory: Some(std::sync::Arc::new(person.clone())),
        campaign_name: "Free N.",
        ..Default::default()
    };
    let day = time::macros::date!(2026 - 11 - 23);
    let r = render(&draft, &ctx, day).unwrap();
    assert_eq!(r.language, "en", "no language: the fallback");
    assert_eq!(r.subject, "A letter from <script>alert(1)</script> 🕊");
    assert!(
        r.text
            .contains("<script>alert(1)</script> signed in Town.\nno phone"),
        "{}",
        r.text
    );
    assert!(
        r.html
            .contains("<p>&lt;script&gt;alert(1)&lt;/script&gt; signed in Town."),
        "{}",
        r.html
    );
    assert!(
        !r.html.contains("<script>"),
        "no live markup from a merged value"
    );
    assert!(
        r.html.contains("<strong>Dear</strong>"),
        "Markdown becomes HTML"
    );
    let mut russian = person.clone();
    russian.language = Some("ru".into());
    let ctx = Context {
        signatory: Some(std::sync::Arc::new(russian)),
        ..ctx
    };
    let r = render(&draft, &ctx, day).unwrap();
    assert_eq!(
        (r.language.as_str(), r.text.as_str()),
        ("ru", "Дата: 23 ноября 2026 г.")
    );
    assert_eq!(format_date(day, "de"), "23. November 2026");
    let mut missing = person.clone();
    missing.town = None;
    let needs_town = TemplateDraft {
        variants: vec![variant("en", "Hi", "From {{ signatory.town }}")],
        ..draft.clone()
    };
    let err = render(
        &needs_town,
        &Context {
            signatory: Some(std::sync::Arc::new(missing)),
            ..Default::default()
        },
        day,
    )
    .unwrap_err();
    assert!(
        err.message.contains("undefined"),
        "a missing value is an error: {}",
        err.message
    );
}

#[tokio::test]
async fn letters_on_behalf_of_signatories_come_from_the_group_with_the_signatory_as_reply_to() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    prosecutor(&t, Some("prosecutor@gov.example"), "en").await;
    let tpl = template(&t, vec![variant("en", "Release N. — {{ signatory.full_name }}", "{{ target.form_of_address }},\n\nI ask you to release N.\n\n{{ signatory.full_name }}, {{ signatory.town }}\n")]).await;
    let m = mailing(&t, tpl, AudienceKind::SignatoriesToTargets).await;
    let check = mailings::check(&t.db, m).await.unwrap();
    assert_eq!(
        (check.recipients, check.problems.len()),
        (3, 0),
        "{:?}",
        check.problems
    );
    let report = mailings::merge(&t.db, m, false, &Silent).await.unwrap();
    assert_eq!(report.messages, 3);
    let page = messages::list(&t.db, m, 0, 10).await.unwrap();
    let first = messages::get(&t.db, page.rows[0].id).await.unwrap();
    assert_eq!(
        first.from,
        "\"Anna Petrova via Free N. Committee\" <letters@free-n.example.org>"
    );
    assert_eq!(
        first.reply_to.as_deref(),
        Some("Anna Petrova <anna.petrova@example.org>")
    );
    assert_eq!(first.to, "Prosecutor General <prosecutor@gov.example>");
    assert!(first.text.starts_with("Dear Prosecutor General,"));
    assert!(first.mailto.starts_with("mailto:prosecutor@gov.example?subject=Release%20N.%20%E2%80%94%20Anna%20Petrova&body=Dear%20Prosecutor%20General%2C%0D%0A"));

    // The .eml a mail program opens: parsed back with a real MIME parser.
    let dir = t.path("eml");
    let r = handover::export(&t.db, m, HandoverFormat::Eml, &dir)
        .await
        .unwrap();
    assert_eq!(r.messages, 3);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let raw = std::fs::read(&files[0]).unwrap();
    let parsed = MessageParser::default()
        .parse(&raw)
        .expect("a valid message");
    assert_eq!(parsed.subject(), Some("Release N. — Anna Petrova"));
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (
            Some("Anna Petrova via Free N. Committee"),
            Some("letters@free-n.example.org")
        )
    );
    assert_eq!(
        parsed.reply_to().unwrap().first().unwrap().address(),
        Some("anna.petrova@example.org")
    );
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("prosecutor@gov.example")
    );
    assert_eq!(
        parsed.message_id(),
        Some(first.message_id.trim_matches(['<', '>']))
    );
    assert_eq!(
        parsed.body_text(0).unwrap().replace("\r\n", "\n"),
        first.text
    );
    assert!(
        parsed
            .body_html(0)
            .unwrap()
            .contains("<p>I ask you to release N.</p>")
    );
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    assert!(raw[..end].is_ascii(), "headers are 7-bit: {head}");
    assert!(
        head.contains("Subject: Release N. =?utf-8?b?4oCU?= Anna Petrova"),
        "RFC 2047 encoded word: {head}"
    );

    let csv = t.path("messages.csv");
    handover::export(&t.db, m, HandoverFormat::Csv, &csv)
        .await
        .unwrap();
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("to,reply_to,subject,text,html\n")
    );
}

#[tokio::test]
async fn the_audience_check_lists_every_problem_and_merge_refuses_until_they_are_excluded() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    appeal_core::suppression::add(
        &t.db,
        "jan.k@example.net",
        appeal_core::suppression::SuppressionReason::Unsubscribed,
        false,
    )
    .await
    .unwrap();
    let tpl = template(
        &t,
        vec![variant(
            "en",
            "Hello {{ signatory.first_name }}",
            "Your phone: {{ signatory.phone }}",
        )],
    )
    .await;
    let m = mailing(&t, tpl, AudienceKind::Signatories).await;
    let check = mailings::check(&t.db, m).await.unwrap();
    assert_eq!(check.recipients, 3);
    let problems: Vec<String> = check
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.recipient.label, p.message))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("Kowalski, Jan Kowalski <jan.k@example.net>: jan.k@example.net is on the suppression list")), "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("Anna Petrova <anna.petrova@example.org>: body:")),
        "{problems:?}"
    );
    let err = mailings::merge(&t.db, m, false, &Silent).await.unwrap_err();
    assert!(err.to_string().contains("Nothing was merged"), "{err}");
    assert_eq!(messages::list(&t.db, m, 0, 10).await.unwrap().total, 0);
    let r = mailings::merge(&t.db, m, true, &Silent).await.unwrap();
    assert_eq!((r.messages, r.excluded), (0, 3));
}

#[tokio::test]
async fn merged_messages_are_frozen_until_re_merged_and_sent_ones_are_never_merged_again() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let tpl = template(
        &t,
        vec![variant(
            "en",
            "Version 1",
            "Hello {{ signatory.first_name }}",
        )],
    )
    .await;
    let m = mailing(&t, tpl, AudienceKind::Signatories).await;
    mailings::merge(&t.db, m, false, &Silent).await.unwrap();
    let mut draft = templates::get(&t.db, tpl).await.unwrap().draft();
    draft.variants[0].subject = "Version 2".into();
    templates::save(&t.db, &draft).await.unwrap();
    let page = messages::list(&t.db, m, 0, 10).await.unwrap();
    assert!(
        page.rows.iter().all(|r| r.subject == "Version 1"),
        "editing the template changes nothing merged"
    );
    sqlx::query("UPDATE messages SET state = 'sent' WHERE id = ?")
        .bind(page.rows[0].id)
        .execute(t.db.pool())
        .await
        .unwrap();
    let r = mailings::merge(&t.db, m, false, &Silent).await.unwrap();
    assert_eq!((r.replaced, r.messages), (2, 2));
    let subjects: Vec<String> = messages::list(&t.db, m, 0, 10)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.subject)
        .collect();
    assert_eq!(
        subjects,
        vec!["Version 1", "Version 2", "Version 2"],
        "the sent one stays as it went"
    );

    let anna = messages::get(&t.db, page.rows[0].id).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT signatory_id FROM messages WHERE id = ?")
        .bind(anna.id)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let e = erase::erase(&t.db, id).await.unwrap();
    assert_eq!(e.messages, 1, "erasure removes letters naming them");
}

#[tokio::test]
async fn targets_import_from_csv_and_export_back() {
    let t = fresh().await;
    let cid = campaign_id(&t).await;
    let path = t.path("targets.csv");
    std::fs::write(&path, "Имя,Должность,Email,Адрес,Язык,Обращение\nИван Судьин,Судья,judge@court.example,\"ул. Судебная 1\n101000 Город\",ru,Уважаемый судья\nNo Mail,Clerk,not-an-address,,en,Dear Clerk\n").unwrap();
    let r = targets::import(&t.db, cid, &path).await.unwrap();
    assert_eq!((r.imported, r.rejected), (1, 1));
    assert_eq!(
        r.rejects[0].reason,
        "'not-an-address' is not an email address"
    );
    let list = targets::list(&t.db, cid).await.unwrap();
    assert_eq!(
        list[0].fields.address.as_deref(),
        Some("ул. Судебная 1\n101000 Город")
    );
    assert_eq!(
        list[0].fields.form_of_address.as_deref(),
        Some("Уважаемый судья")
    );
    let again = targets::import(&t.db, cid, &path).await.unwrap();
    assert_eq!(
        (again.imported, again.updated),
        (0, 1),
        "matched by address"
    );
    let out = t.path("out.csv");
    assert_eq!(targets::export(&t.db, cid, &out).await.unwrap(), 1);
    assert!(
        std::fs::read_to_string(&out).unwrap().starts_with(
            "name,title,organisation,email,address,country,language,form_of_address\n"
        )
    );
}

#[tokio::test]
async fn attachments_by_templated_path_are_checked_before_merging_and_frozen_by_hash() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let files = t.path("letters");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("Petrova.txt"), "Anna's signed letter").unwrap();
    std::fs::write(files.join("Weber.txt"), "Jonas's signed letter").unwrap();
    let mut draft = templates::get(
        &t.db,
        template(&t, vec![variant("en", "Letter", "Attached.")]).await,
    )
    .await
    .unwrap()
    .draft();
    draft.attachments = vec![format!(
        "{}/{{{{ signatory.last_name }}}}.txt",
        files.display()
    )];
    let tpl = templates::save(&t.db, &draft).await.unwrap();
    let m = mailing(&t, tpl.id, AudienceKind::Signatories).await;
    let check = mailings::check(&t.db, m).await.unwrap();
    assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
    assert!(
        check.problems[0]
            .message
            .contains("Kowalski.txt cannot be read"),
        "{}",
        check.problems[0].message
    );
    let r = mailings::merge(&t.db, m, true, &Silent).await.unwrap();
    assert_eq!((r.messages, r.excluded), (2, 1));

    let dir = t.path("eml");
    handover::export(&t.db, m, HandoverFormat::Eml, &dir)
        .await
        .unwrap();
    let mut emls: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    emls.sort();
    let raw = std::fs::read(&emls[0]).unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    let att = parsed
        .attachment(0)
        .expect("the letter carries its attachment");
    assert_eq!(att.attachment_name(), Some("Petrova.txt"));
    assert_eq!(att.contents(), b"Anna's signed letter");

    std::fs::write(files.join("Petrova.txt"), "something else").unwrap();
    let err = handover::export(&t.db, m, HandoverFormat::Eml, &t.path("eml2"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Petrova.txt changed after the merge"),
        "{err}"
    );
}

#[tokio::test]
async fn printable_letters_are_one_page_each_with_cyrillic_and_accents_as_written() {
    let pages = printed_letters(fresh().await, "ru").await;
    assert!(
        pages[0].contains("Уважаемый господин Генеральный прокурор!"),
        "Cyrillic prints as written: {}",
        pages[0]
    );
    assert!(
        pages[0].contains("Освободите N."),
        "the subject in the letter's language: {}",
        pages[0]
    );
    assert_eq!(
        dateline(&pages[0]),
        "Lyon, 23 ноября 2026 г.",
        "the place and the clock's date in the letter's language"
    );
    assert!(pages[2].contains("Ана Иванова") && pages[2].contains("Београд"));
}

#[tokio::test]
async fn a_printed_letter_carries_the_date_of_the_clock_it_is_given_in_its_language() {
    // A leap day, and the last evening of a year: the date is the clock's, never the machine's.
    let pages = printed_letters(
        fresh_at(time::macros::datetime!(2028-02-29 12:00 UTC)).await,
        "en",
    )
    .await;
    assert_eq!(dateline(&pages[0]), "Lyon, 29 February 2028");
    let pages = printed_letters(
        fresh_at(time::macros::datetime!(2026-12-31 18:00 UTC)).await,
        "ru",
    )
    .await;
    assert_eq!(dateline(&pages[0]), "Lyon, 31 декабря 2026 г.");
}

/// The line of a printed page that holds its date: the one after the recipient's address.
fn dateline(page: &str) -> String {
    page.lines()
        .map(str::trim)
        .find(|l| l.starts_with("Lyon, "))
        .unwrap_or_else(|| panic!("no dateline on the page: {page}"))
        .to_string()
}

/// The signatories of the SpeakOut fixture each writing to the prosecutor in `language`,
/// printed to PDF and read back with pdftotext, a page a letter.
async fn printed_letters(t: TestDb, language: &str) -> Vec<String> {
    t.import("speakout_utf16.csv").await;
    prosecutor(&t, Some("prokuror@gov.example"), language).await;
    let tpl = template(
        &t,
        vec![
            variant(
                "en",
                "Release N.",
                "{{ target.form_of_address }},\n\nPlease release N.\n\n{{ signatory.full_name }}",
            ),
            variant(
                "ru",
                "Освободите N.",
                "{{ target.form_of_address }}!\n\nПрошу освободить N.\n\n{{ signatory.full_name }}",
            ),
        ],
    )
    .await;
    let m = mailing(&t, tpl, AudienceKind::SignatoriesToTargets).await;
    mailings::merge(&t.db, m, false, &Silent).await.unwrap();
    let pdf = t.path("letters.pdf");
    let r = handover::export(&t.db, m, HandoverFormat::Pdf, &pdf)
        .await
        .unwrap();
    assert_eq!(r.messages, 3);
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), 3, "one letter per page");
    assert!(
        pages[0].contains("Léa Dubois"),
        "the sender block, accents intact: {}",
        pages[0]
    );
    assert!(pages[0].contains("12 rue des Lilas") && pages[0].contains("69001 Lyon"));
    assert!(
        pages[0].contains("1 Justice Square") && pages[0].contains("101000 Capital"),
        "the recipient's address lines"
    );
    pages.into_iter().map(str::to_string).collect()
}

#[tokio::test]
async fn a_mailing_larger_than_a_page_merges_and_exports_every_letter_once_in_order() {
    // The audience is read 2,000 people a page and the outbox 1,000 messages a page; 4,321
    // people cross both boundaries several times, with another mailing's messages in between.
    let t = fresh().await;
    let list = t.path("many.csv");
    let mut csv = String::from("first_name,last_name,email,town\n");
    for i in 0..4321 {
        csv.push_str(&format!("Ilse{i},Varga,ilse{i}@example.org,Town \"{i}\"\n"));
    }
    std::fs::write(&list, csv).unwrap();
    t.import_with(list.to_str().unwrap(), &t.opts()).await;
    let tpl = template(
        &t,
        vec![variant(
            "en",
            "For {{ signatory.first_name }}",
            "Dear {{ signatory.first_name }}, from {{ signatory.town }}.\n",
        )],
    )
    .await;
    let first = mailing(&t, tpl, AudienceKind::Signatories).await;
    let other = mailing(&t, tpl, AudienceKind::Signatories).await;
    mailings::merge(&t.db, first, false, &Silent).await.unwrap();
    mailings::merge(&t.db, other, false, &Silent).await.unwrap();
    // Merging the first again interleaves its new messages after the other's.
    let again = mailings::merge(&t.db, first, false, &Silent).await.unwrap();
    assert_eq!((again.messages, again.replaced), (4321, 4321));

    let out = t.path("first.csv");
    let report = handover::export(&t.db, first, HandoverFormat::Csv, &out)
        .await
        .unwrap();
    assert_eq!(report.messages, 4321);
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4321);
    for (i, row) in rows.iter().enumerate() {
        assert!(
            row[0].ends_with(&format!(" <ilse{i}@example.org>")),
            "{}",
            &row[0]
        );
        assert_eq!(&row[2], format!("For Ilse{i}"));
        // A letter to supporters: its text, then the way out (see the hand-over test).
        assert_eq!(
            row[3].split("\n\n-- \n").next(),
            Some(format!("Dear Ilse{i}, from Town \"{i}\".\n").as_str())
        );
        assert!(row[4].starts_with("<!DOCTYPE html>"), "{}", &row[4]);
        assert!(
            row[4].contains(&format!("<p>Dear Ilse{i}, from Town \"{i}\".</p>")),
            "{}",
            &row[4]
        );
    }
    // A problem on the third page stops a re-merge after two pages were written: all of it
    // is rolled back, and the letters merged before are all still there.
    appeal_core::suppression::add(
        &t.db,
        "ilse4100@example.org",
        appeal_core::suppression::SuppressionReason::Unsubscribed,
        false,
    )
    .await
    .unwrap();
    let err = mailings::merge(&t.db, first, false, &Silent)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Nothing was merged"), "{err}");
    let kept = messages::list(&t.db, first, 0, 1).await.unwrap().total;
    assert_eq!(kept, 4321);
    let (messages, max_id): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(id) FROM messages")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(messages, 2 * 4321, "nothing of the failed merge is stored");
    assert_eq!(max_id, 3 * 4321, "the messages are the ones merged before");
}

#[tokio::test]
async fn stored_json_that_does_not_parse_is_an_error_never_an_empty_value() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let tpl = template(
        &t,
        vec![variant("en", "Hi", "Hello {{ signatory.first_name }}")],
    )
    .await;
    let m = mailing(&t, tpl, AudienceKind::Signatories).await;
    // Read as empty, this filter would widen the mailing from one petition to everyone.
    sqlx::query("UPDATE mailings SET filter = '{\"petition_id\": ' WHERE id = ?")
        .bind(m)
        .execute(t.db.pool())
        .await
        .unwrap();
    let err = mailings::merge(&t.db, m, false, &Silent).await.unwrap_err();
    assert_eq!(err.code(), "damaged", "{err}");
    assert!(err.to_string().contains("audience filter"), "{err}");
    let merged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(merged, 0, "nothing is merged from a damaged mailing");

    // Read as empty, these custom fields would be written back empty by the next edit.
    let id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM signatories")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE signatories SET custom = 'group: A' WHERE id = ?")
        .bind(id)
        .execute(t.db.pool())
        .await
        .unwrap();
    let err = appeal_core::signatories::get(&t.db, id).await.unwrap_err();
    assert_eq!(err.code(), "damaged", "{err}");
    assert!(err.to_string().contains("custom fields"), "{err}");
    // An import that would merge into them reads them the same way, and stores nothing.
    let imports_before = t.count("SELECT COUNT(*) FROM imports").await;
    let err = appeal_core::imports::run(
        &t.db,
        &common::fixture("action_network.csv"),
        &t.opts(),
        &Silent,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "damaged", "{err}");
    assert!(err.to_string().contains("custom fields"), "{err}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM imports").await,
        imports_before
    );
}

#[tokio::test]
async fn letters_to_supporters_go_only_to_people_who_said_yes_unless_widened_on_purpose() {
    let t = fresh().await;
    let list = t.path("consent.csv");
    std::fs::write(
        &list,
        "Имя,Электронная почта,Согласие на рассылку\n\
         Anna,anna@example.org,да\nBoris,boris@example.org,нет\nChen,chen@example.org,\n\
         Dara,dara@example.org,yes\n",
    )
    .unwrap();
    t.import_with(list.to_str().unwrap(), &t.opts()).await;
    let tpl = template(
        &t,
        vec![variant("en", "Hello", "Dear {{ signatory.first_name }}")],
    )
    .await;
    let counts = mailings::consent_counts(
        &t.db,
        campaign_id(&t).await,
        &AudienceFilter {
            petition_id: Some(t.petition),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((counts.given, counts.refused, counts.unknown), (2, 1, 1));

    // The default: a yes is needed; the check names who is left out and why.
    assert_eq!(AudienceFilter::default().consent, Consent::Given);
    let m = mailing_with(&t, tpl, AudienceKind::Signatories, Consent::default()).await;
    assert_eq!(
        mailings::get(&t.db, m).await.unwrap().filter.consent,
        Consent::Given
    );
    let check = mailings::check(&t.db, m).await.unwrap();
    assert_eq!((check.recipients, check.left_out_count), (2, 2));
    let left: Vec<(&str, LeftOutReason)> = check
        .left_out
        .iter()
        .map(|l| (l.label.as_str(), l.reason))
        .collect();
    assert!(
        left.iter()
            .any(|(l, r)| l.contains("Boris") && *r == LeftOutReason::Refused),
        "{left:?}"
    );
    assert!(
        left.iter()
            .any(|(l, r)| l.contains("Chen") && *r == LeftOutReason::Unknown),
        "{left:?}"
    );
    assert!(
        check.consent_note.contains("2 of 4"),
        "{}",
        check.consent_note
    );
    let r = mailings::merge(&t.db, m, false, &Silent).await.unwrap();
    assert_eq!(
        r.messages, 2,
        "Boris said no and Chen said nothing: no letter for them"
    );

    // Widened on purpose: unknown consent, then everyone.
    for (consent, reached) in [(Consent::GivenOrUnknown, 3), (Consent::Everyone, 4)] {
        let m = mailing_with(&t, tpl, AudienceKind::Signatories, consent).await;
        assert_eq!(
            mailings::get(&t.db, m).await.unwrap().filter.consent,
            consent,
            "recorded"
        );
        let r = mailings::merge(&t.db, m, false, &Silent).await.unwrap();
        assert_eq!(r.messages, reached, "{consent:?}");
    }

    // On a signatory's behalf to a target: the signatory's own act, under the petition's terms.
    prosecutor(&t, Some("prokuror@gov.example"), "en").await;
    let m = mailing_with(&t, tpl, AudienceKind::SignatoriesToTargets, Consent::Given).await;
    let check = mailings::check(&t.db, m).await.unwrap();
    assert_eq!((check.recipients, check.left_out_count), (4, 0));
    assert!(
        check.consent_note.contains("petition's terms"),
        "{}",
        check.consent_note
    );

    // A mailing stored before the rule had three choices keeps reaching whom it reached.
    sqlx::query("UPDATE mailings SET filter = json_object('petition_id', ?, 'consent_only', json('false')) WHERE id = 1")
        .bind(t.petition)
        .execute(t.db.pool())
        .await
        .unwrap();
    assert_eq!(
        mailings::get(&t.db, 1).await.unwrap().filter.consent,
        Consent::Everyone
    );
}

#[tokio::test]
async fn every_hand_over_of_letters_to_supporters_carries_the_way_out_that_sent_letters_do() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let tpl = template(
        &t,
        vec![variant(
            "en",
            "Thank you",
            "Dear {{ signatory.first_name }},\n\nthank you.",
        )],
    )
    .await;
    let m = mailing(&t, tpl, AudienceKind::Signatories).await;
    mailings::merge(&t.db, m, false, &Silent).await.unwrap();
    let way_out = "<mailto:letters@free-n.example.org?subject=unsubscribe>";

    // .eml, read back by Python's email package.
    let dir = t.path("eml");
    handover::export(&t.db, m, HandoverFormat::Eml, &dir)
        .await
        .unwrap();
    let script = "import email, email.policy, sys, json\n\
        m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)\n\
        print(json.dumps({'lu': m['List-Unsubscribe'], 'text': m.get_body(('plain',)).get_content(),\n\
                          'html': m.get_body(('html',)).get_content(), 'defects': len(m.defects)}))";
    for entry in std::fs::read_dir(&dir).unwrap() {
        let parsed = python_reads(script, &entry.unwrap().path());
        assert_eq!(parsed["lu"], way_out, "{parsed}");
        assert_eq!(parsed["defects"], 0);
        assert!(
            parsed["text"]
                .as_str()
                .unwrap()
                .contains("reply with \"unsubscribe\" or write to letters@free-n.example.org"),
            "{parsed}"
        );
        assert!(
            parsed["html"]
                .as_str()
                .unwrap()
                .contains("mailto:letters@free-n.example.org?subject=unsubscribe"),
            "{parsed}"
        );
    }

    // CSV: the text and HTML cells carry the wording.
    let csv_file = t.path("outbox.csv");
    handover::export(&t.db, m, HandoverFormat::Csv, &csv_file)
        .await
        .unwrap();
    let mut reader = csv::Reader::from_path(&csv_file).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        assert!(
            row[3].ends_with("or write to letters@free-n.example.org\n"),
            "{}",
            &row[3]
        );
        assert!(row[4].contains("?subject=unsubscribe"), "{}", &row[4]);
    }

    // mailto: the body of each link ends with the wording.
    let links = t.path("links.csv");
    handover::export(&t.db, m, HandoverFormat::Mailto, &links)
        .await
        .unwrap();
    let mut reader = csv::Reader::from_path(&links).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        assert!(
            row[2].contains("or%20write%20to%20letters%40free-n.example.org"),
            "{}",
            &row[2]
        );
    }

    // Letters on a signatory's behalf to a target carry none: they are not a mailing list's.
    prosecutor(&t, Some("prokuror@gov.example"), "en").await;
    let m = mailing(&t, tpl, AudienceKind::SignatoriesToTargets).await;
    mailings::merge(&t.db, m, false, &Silent).await.unwrap();
    let csv_file = t.path("on-behalf.csv");
    handover::export(&t.db, m, HandoverFormat::Csv, &csv_file)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&csv_file).unwrap();
    assert!(!text.contains("unsubscribe"));
}

#[tokio::test]
async fn a_group_unsubscribe_page_makes_letters_one_click() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let tpl = template(
        &t,
        vec![variant(
            "en",
            "Thank you",
            "Dear {{ signatory.first_name }}.",
        )],
    )
    .await;
    let draft = |audience, page: &str| MailingDraft {
        campaign_id: 0,
        template_id: tpl,
        name: "With a page".into(),
        audience,
        filter: AudienceFilter {
            petition_id: Some(t.petition),
            consent: Consent::GivenOrUnknown,
            ..Default::default()
        },
        from_name: "Free N. Committee".into(),
        from_address: "letters@free-n.example.org".into(),
        reply_to: None,
        unsubscribe_url: Some(page.into()),
    };
    let campaign_id = campaign_id(&t).await;
    for (audience, page, says) in [
        (
            AudienceKind::Signatories,
            "http://free-n.example.org/leave",
            "https://",
        ),
        (
            AudienceKind::Signatories,
            "free-n.example.org/leave",
            "not a web address",
        ),
        (
            AudienceKind::Targets,
            "https://free-n.example.org/leave",
            "for letters to supporters",
        ),
    ] {
        let e = mailings::create(
            &t.db,
            &MailingDraft {
                campaign_id,
                ..draft(audience, page)
            },
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(e.contains(says), "{e}");
    }
    let m = mailings::create(
        &t.db,
        &MailingDraft {
            campaign_id,
            ..draft(
                AudienceKind::Signatories,
                " https://free-n.example.org/leave?list=letters ",
            )
        },
    )
    .await
    .unwrap();
    assert_eq!(
        m.unsubscribe_url.as_deref(),
        Some("https://free-n.example.org/leave?list=letters")
    );
    mailings::merge(&t.db, m.id, false, &Silent).await.unwrap();

    // .eml, read back by Python's email package: the page (naming the supporter), then the
    // mailbox, and the one-click header.
    let dir = t.path("eml");
    handover::export(&t.db, m.id, HandoverFormat::Eml, &dir)
        .await
        .unwrap();
    let script = "import email, email.policy, sys, json\n\
        m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)\n\
        print(json.dumps({'to': m['To'].addresses[0].addr_spec, 'lu': m['List-Unsubscribe'],\n\
                          'post': m['List-Unsubscribe-Post'], 'text': m.get_body(('plain',)).get_content(),\n\
                          'defects': len(m.defects)}))";
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let parsed = python_reads(script, &entry.unwrap().path());
        let to = parsed["to"].as_str().unwrap().replace('@', "%40");
        assert_eq!(
            parsed["lu"],
            format!(
                "<https://free-n.example.org/leave?list=letters&email={to}>, <mailto:letters@free-n.example.org?subject=unsubscribe>"
            ),
            "{parsed}"
        );
        assert_eq!(parsed["post"], "List-Unsubscribe=One-Click");
        assert_eq!(parsed["defects"], 0);
        assert!(
            parsed["text"]
                .as_str()
                .unwrap()
                .replace("\r\n", "\n")
                .contains("\nhttps://free-n.example.org/leave?list=letters\n"),
            "{parsed}"
        );
        n += 1;
    }
    assert!(n > 0);

    // Without a page, letters keep the mailto alone and no one-click header.
    let plain = mailing(&t, tpl, AudienceKind::Signatories).await;
    mailings::merge(&t.db, plain, false, &Silent).await.unwrap();
    let dir = t.path("eml-plain");
    handover::export(&t.db, plain, HandoverFormat::Eml, &dir)
        .await
        .unwrap();
    let first = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap();
    let bytes = std::fs::read(first.path()).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("List-Unsubscribe-Post"));
    assert!(text.contains("List-Unsubscribe: <mailto:"));
}

/// Display names longer than one encoded-word are cut between words: each encoded-word, as
/// Python's email package decodes it, ends with a word and its space, and mail-parser (which
/// follows RFC 2047 6.2 and ignores the whitespace between encoded-words) reads the name
/// back exactly. (Python's own display name keeps that whitespace too, so it shows a double
/// space at each cut; Thunderbird, Gmail and Outlook follow the RFC.)
#[tokio::test]
async fn long_display_names_are_encoded_on_word_boundaries() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let tpl = template(&t, vec![variant("en", "Hi", "Hello.")]).await;
    let d = MailingDraft {
        campaign_id: campaign_id(&t).await,
        template_id: tpl,
        name: "Long name".into(),
        audience: AudienceKind::Signatories,
        filter: AudienceFilter {
            petition_id: Some(t.petition),
            consent: Consent::GivenOrUnknown,
            ..Default::default()
        },
        from_name: "Комитет «Свободу Николаю Петровичу» за права человека и достоинство".into(),
        from_address: "letters@free-n.example.org".into(),
        reply_to: None,
        unsubscribe_url: None,
    };
    let m = mailings::create(&t.db, &d).await.unwrap();
    mailings::merge(&t.db, m.id, false, &Silent).await.unwrap();
    let dir = t.path("eml");
    handover::export(&t.db, m.id, HandoverFormat::Eml, &dir)
        .await
        .unwrap();
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let script = "import email, email.policy, email.header, sys, json\n\
        raw = open(sys.argv[1], 'rb').read()\n\
        m = email.message_from_bytes(raw, policy=email.policy.default)\n\
        head = raw.split(b'\\r\\n\\r\\n')[0].decode()\n\
        line = [l for l in head.replace('\\r\\n ', ' ').split('\\r\\n') if l.startswith('From:')][0]\n\
        words = [email.header.decode_header(w)[0][0].decode() for w in line[5:].split() if w.startswith('=?')]\n\
        print(json.dumps({'name': m['From'].addresses[0].display_name, 'words': words}))";
    let parsed = python_reads(script, &file);
    let collapsed = parsed["name"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(collapsed, d.from_name, "{parsed}");
    let bytes = std::fs::read(&file).unwrap();
    let m = MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(
        m.from().unwrap().first().unwrap().name(),
        Some(d.from_name.as_str())
    );
    let words: Vec<&str> = parsed["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(words.len() > 1, "{parsed}");
    for w in &words[..words.len() - 1] {
        assert!(
            w.ends_with(' '),
            "an encoded-word ends inside a word: {words:?}"
        );
    }
}

/// A message in a state this version never writes is damage: the outbox's counts do not
/// file it under "uncertain".
#[tokio::test]
async fn an_unknown_message_state_is_damage_not_uncertain() {
    let t = fresh().await;
    t.import("action_network.csv").await;
    let tpl = template(
        &t,
        vec![variant("en", "Hi", "Hello {{ signatory.first_name }}")],
    )
    .await;
    let m = mailing(&t, tpl, AudienceKind::Signatories).await;
    mailings::merge(&t.db, m, true, &Silent).await.unwrap();
    let mut conn = t.db.pool().acquire().await.unwrap();
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE messages SET state = 'lost' WHERE id = (SELECT MIN(id) FROM messages)")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let err = appeal_core::outbox::status(&t.db, m).await.unwrap_err();
    assert_eq!(err.code(), "damaged", "{err}");
    assert!(err.to_string().contains("\"lost\""), "{err}");
}
