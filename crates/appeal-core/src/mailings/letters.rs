//! Printable letters for posting: one PDF, one letter per page, with the sender's and the
//! recipient's address blocks, place and date in the letter's language, the subject and the
//! text. DejaVu Sans is embedded, so Cyrillic, Greek and accented Latin print as written.

use std::path::Path;

use futures_util::TryStreamExt;
use genpdf::elements::{Break, PageBreak, Paragraph};
use genpdf::style::Style;
use genpdf::{Alignment, Element};
use sqlx::Row;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::signatories::query::{FIELD_COLUMNS, fields_from_row};
use crate::templates::format_date;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

fn font_family() -> Result<genpdf::fonts::FontFamily<genpdf::fonts::FontData>> {
    let load = |bytes: &[u8]| {
        genpdf::fonts::FontData::new(bytes.to_vec(), None)
            .map_err(|e| Error::Conflict(format!("the embedded font cannot be loaded: {e}")))
    };
    let (regular, bold) = (load(REGULAR)?, load(BOLD)?);
    Ok(genpdf::fonts::FontFamily {
        regular: regular.clone(),
        bold: bold.clone(),
        italic: regular,
        bold_italic: bold,
    })
}

/// The paragraphs of a Markdown text as plain lines for print: markup dropped, text kept.
fn paragraphs(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = vec![String::new()];
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.last_mut().expect("never empty").push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.last_mut().expect("never empty").push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => {
                out.push(String::new())
            }
            _ => {}
        }
    }
    out.retain(|p| !p.trim().is_empty());
    out
}

fn block(lines: &[String]) -> Vec<Paragraph> {
    lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Paragraph::new(l.clone()))
        .collect()
}

/// Writes every merged letter of a mailing to one PDF; returns the number of letters.
pub async fn export_pdf(db: &Db, mailing_id: i64, path: &Path) -> Result<i64> {
    crate::db::refuse_own_files(path)?;
    let mailing = super::get(db, mailing_id).await?;
    let sql = format!(
        "SELECT m.subject, m.text, m.language AS letter_language, s.id AS sid, {cols},
                t.name AS t_name, t.title AS t_title, t.organisation AS t_org, t.address AS t_address, t.country AS t_country
         FROM messages m
         LEFT JOIN signatories s ON s.id = m.signatory_id
         LEFT JOIN targets t ON t.id = m.target_id
         WHERE m.mailing_id = ? ORDER BY m.id",
        cols = FIELD_COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
    );
    let today = db.clock().today();
    let mut letters = Vec::new();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(mailing_id)
        .fetch(db.pool());
    while let Some(row) = rows.try_next().await? {
        letters.push(layout(&row, &mailing, today)?);
    }
    drop(rows);
    let n = letters.len() as i64;
    if n == 0 {
        return Err(Error::InvalidInput(format!(
            "mailing {mailing_id} has no merged letters yet; merge it first"
        )));
    }
    let mut file = crate::export::beside(path)?;
    // genpdf's document is not Send: it is built and written in one synchronous step.
    render(&mailing.name, &letters)?
        .render(std::io::BufWriter::new(&mut file))
        .map_err(|e| Error::io("write", path, std::io::Error::other(e.to_string())))?;
    crate::export::persist(file, path)?;
    Ok(n)
}

/// One letter laid out as lines, before it becomes PDF.
struct Letter {
    sender: Vec<String>,
    recipient: Vec<String>,
    dateline: String,
    subject: String,
    paragraphs: Vec<String>,
}

fn address(p: &crate::signatories::SignatoryFields) -> Vec<String> {
    let name = format!(
        "{} {}",
        p.first_name.as_deref().unwrap_or(""),
        p.last_name.as_deref().unwrap_or("")
    );
    let town_line = format!(
        "{} {}",
        p.postcode.as_deref().unwrap_or(""),
        p.town.as_deref().unwrap_or("")
    );
    vec![
        name.trim().to_string(),
        p.street.clone().unwrap_or_default(),
        town_line.trim().to_string(),
        p.country.clone().unwrap_or_default(),
    ]
}

fn layout(
    row: &sqlx::sqlite::SqliteRow,
    mailing: &super::Mailing,
    today: time::Date,
) -> Result<Letter> {
    let language: String = row.try_get("letter_language")?;
    let signatory_id: Option<i64> = row.try_get("sid")?;
    let person = match signatory_id {
        Some(_) => Some(fields_from_row(row)?),
        None => None,
    };
    let target_name: Option<String> = row.try_get("t_name")?;
    // The sender: the signatory writing (with their postal address), else the group.
    let (sender, place) = match (&person, &target_name) {
        (Some(p), Some(_)) => (address(p), p.town.clone()),
        _ => (
            vec![mailing.from_name.clone(), mailing.from_address.clone()],
            None,
        ),
    };
    let recipient = match (&target_name, &person) {
        (Some(name), _) => {
            let mut lines = vec![name.clone()];
            for col in ["t_title", "t_org"] {
                lines.extend(row.try_get::<Option<String>, _>(col)?);
            }
            if let Some(a) = row.try_get::<Option<String>, _>("t_address")? {
                lines.extend(a.lines().map(str::to_string));
            }
            lines.extend(row.try_get::<Option<String>, _>("t_country")?);
            lines
        }
        (None, Some(p)) => address(p),
        (None, None) => Vec::new(),
    };
    let date = format_date(today, &language);
    let text: String = row.try_get("text")?;
    Ok(Letter {
        sender,
        recipient,
        dateline: match place {
            Some(town) if !town.is_empty() => format!("{town}, {date}"),
            _ => date,
        },
        subject: row.try_get("subject")?,
        paragraphs: paragraphs(&text),
    })
}

fn render(title: &str, letters: &[Letter]) -> Result<genpdf::Document> {
    let mut doc = genpdf::Document::new(font_family()?);
    doc.set_title(title.to_string());
    doc.set_font_size(11);
    let mut decorator = genpdf::SimplePageDecorator::new();
    decorator.set_margins(20);
    doc.set_page_decorator(decorator);
    for (i, l) in letters.iter().enumerate() {
        if i > 0 {
            doc.push(PageBreak::new());
        }
        for p in block(&l.sender) {
            doc.push(p.styled(Style::new().with_font_size(9)));
        }
        doc.push(Break::new(2));
        for p in block(&l.recipient) {
            doc.push(p);
        }
        doc.push(Break::new(2));
        doc.push(Paragraph::new(l.dateline.clone()).aligned(Alignment::Right));
        doc.push(Break::new(1.5));
        doc.push(Paragraph::new(l.subject.clone()).styled(Style::new().bold()));
        doc.push(Break::new(1));
        for para in &l.paragraphs {
            for line in para.lines() {
                doc.push(Paragraph::new(line.to_string()));
            }
            doc.push(Break::new(0.6));
        }
    }
    Ok(doc)
}
