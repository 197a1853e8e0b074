//! Hand-over without SMTP: merged messages as CSV, as one .eml file each (RFC 5322 / MIME,
//! UTF-8 headers encoded per RFC 2047), or as mailto: links that open a volunteer's own mail
//! program with everything filled in.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::mime::{AttachmentFiles, eml};
use super::unsubscribe::Unsubscribe;
use crate::db::{Db, Pages};
use crate::error::{Error, Result};
use crate::export::CsvOut;
use crate::templates::push_stored_html;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum HandoverFormat {
    /// One row per message: to, reply_to, subject, text, html.
    Csv,
    /// A folder with one .eml file per message.
    Eml,
    /// One row per message: to, subject, mailto.
    Mailto,
    /// Printable letters, one per page, in one PDF.
    Pdf,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct HandoverReport {
    pub messages: i64,
    pub path: String,
}

fn file_name(index: i64, to: &str) -> String {
    let safe: String = to
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '@' || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    format!("{index:05}-{safe}.eml")
}

pub async fn export(
    db: &Db,
    mailing_id: i64,
    format: HandoverFormat,
    path: &Path,
) -> Result<HandoverReport> {
    let mailing = super::get(db, mailing_id).await?;
    // Letters to supporters carry the way out that sent ones do, whoever sends them.
    let unsubscribe_to = (mailing.audience == super::AudienceKind::Signatories)
        .then(|| Unsubscribe::address_for(mailing.reply_to.as_deref(), &mailing.from_address))
        .flatten();
    let one_click = super::unsubscribe::stored_page(mailing.unsubscribe_url.as_deref())?;
    if format == HandoverFormat::Pdf {
        let messages = super::letters::export_pdf(db, mailing_id, path).await?;
        return Ok(HandoverReport {
            messages,
            path: path.display().to_string(),
        });
    }
    let mut n = 0i64;
    match format {
        HandoverFormat::Eml => {
            let mut pages = super::messages::StoredPages::new(mailing_id);
            let files = AttachmentFiles::default();
            crate::db::private_dir(path)?;
            loop {
                let page = pages.next_page(db).await?;
                if page.is_empty() {
                    break;
                }
                for m in page {
                    n += 1;
                    let file = path.join(file_name(n, &m.to_address));
                    let way_out = unsubscribe_to
                        .as_deref()
                        .map(|a| Unsubscribe::to(a).with_page(one_click.as_ref()));
                    let bytes = eml(&m, &files, db.clock(), way_out.as_ref())?;
                    std::io::Write::write_all(&mut crate::export::private_file(&file)?, &bytes)
                        .map_err(|e| Error::io("write", &file, e))?;
                }
            }
        }
        HandoverFormat::Pdf => unreachable!("PDF letters return above"),
        HandoverFormat::Csv | HandoverFormat::Mailto => {
            // Rows are stepped through on the bulk connection, inside one snapshot.
            let mut snapshot = db.bulk_read().await?;
            let path = path.to_path_buf();
            n = snapshot
                .run(move |c| {
                    let way_out = unsubscribe_to
                        .as_deref()
                        .map(|a| Unsubscribe::to(a).with_page(one_click.as_ref()));
                    write_csv(c, mailing_id, format, &path, way_out.as_ref())
                })
                .await?;
        }
    }
    Ok(HandoverReport {
        messages: n,
        path: path.display().to_string(),
    })
}

/// The outbox of one mailing as CSV (to, reply-to, subject, text, HTML) or as mailto: links.
///
/// Two threads share the work: this one steps through SQLite's rows and copies each row's
/// cells into a batch; the other quotes them as CSV and writes the file. Batches go back
/// to be filled again, so a million letters need a few buffers, not a million.
fn write_csv(
    c: &rusqlite::Connection,
    mailing_id: i64,
    format: HandoverFormat,
    path: &Path,
    way_out: Option<&Unsubscribe>,
) -> Result<i64> {
    let mut out = CsvOut::create(path, false)?;
    if format == HandoverFormat::Csv {
        out.write(&["to", "reply_to", "subject", "text", "html"])?;
    } else {
        out.write(&["to", "subject", "mailto"])?;
    }
    let (full, filled) = std::sync::mpsc::sync_channel::<Cells>(2);
    let (empty, emptied) = std::sync::mpsc::channel::<Cells>();
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> Result<CsvOut> {
            let mut doc = String::new();
            for mut batch in filled {
                batch.write_to(&mut out, format, &mut doc, way_out)?;
                batch.clear();
                let _ = empty.send(batch);
            }
            Ok(out)
        });
        let read = read_cells(c, mailing_id, format, full, emptied, way_out);
        let out = writer.join().expect("writing CSV does not panic");
        // A failed write stops the reading too: its error is the one that says why.
        let out = out?;
        let n = read?;
        out.finish()?;
        Ok(n)
    })
}

/// Rows of cells in one buffer: `ends[i]` is where cell `i` ends, `width` cells a row.
struct Cells {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    width: usize,
}

impl Cells {
    const BYTES: usize = 1 << 20;

    fn new(width: usize) -> Cells {
        Cells {
            bytes: Vec::with_capacity(Cells::BYTES + (64 << 10)),
            ends: Vec::with_capacity(8192),
            width,
        }
    }

    fn push(&mut self, cell: &[u8]) {
        self.bytes.extend_from_slice(cell);
        self.ends.push(self.bytes.len());
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Writes the rows as CSV records. A CSV row's sixth cell is the language of the HTML
    /// document built around a stored body (`doc` is its reused buffer); it is not written.
    fn write_to(
        &self,
        out: &mut CsvOut,
        format: HandoverFormat,
        doc: &mut String,
        way_out: Option<&Unsubscribe>,
    ) -> Result<()> {
        let mut start = 0;
        for row in self.ends.chunks(self.width) {
            let mut cells = row.iter().map(|&end| {
                let cell = &self.bytes[start..end];
                start = end;
                cell
            });
            if format != HandoverFormat::Csv {
                out.write_bytes(cells)?;
                continue;
            }
            let [to, reply_to, subject, text, html, language] =
                std::array::from_fn(|_| cells.next().expect("six cells a row"));
            let utf8 = |b| {
                std::str::from_utf8(b).map_err(|e| {
                    Error::InvalidInput(format!("a stored letter is not valid text: {e}"))
                })
            };
            doc.clear();
            let language = utf8(language)?;
            match way_out.map(|u| u.footer(language)) {
                None => {
                    push_stored_html(doc, language, utf8(subject)?, utf8(html)?, "");
                    out.write_bytes([to, reply_to, subject, text, doc.as_bytes()])?;
                }
                Some((text_footer, html_footer)) => {
                    push_stored_html(doc, language, utf8(subject)?, utf8(html)?, &html_footer);
                    let text = [text, text_footer.as_bytes()].concat();
                    out.write_bytes([to, reply_to, subject, &text[..], doc.as_bytes()])?;
                }
            }
        }
        Ok(())
    }
}

/// Steps through the mailing's messages in id order and sends their cells in batches.
/// Stops early, without an error of its own, when the writer has stopped.
fn read_cells(
    c: &rusqlite::Connection,
    mailing_id: i64,
    format: HandoverFormat,
    full: std::sync::mpsc::SyncSender<Cells>,
    emptied: std::sync::mpsc::Receiver<Cells>,
    way_out: Option<&Unsubscribe>,
) -> Result<i64> {
    // The mailing's ids span a range; walking that range of the table in id order beats
    // sorting what the (mailing, state) index finds.
    let (first, last): (Option<i64>, Option<i64>) = c.query_row(
        "SELECT min(id), max(id) FROM messages WHERE mailing_id = ?",
        [mailing_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut rows = c.prepare(
        "SELECT to_header, reply_to, subject, text, html, language, to_address FROM messages
         WHERE id BETWEEN ?1 AND ?2 AND +mailing_id = ?3 ORDER BY id",
    )?;
    // A mailing with no messages has no range: 1..0 selects nothing.
    let mut rows = rows.query(rusqlite::params![
        first.unwrap_or(1),
        last.unwrap_or(0),
        mailing_id
    ])?;
    let width = if format == HandoverFormat::Csv { 6 } else { 3 };
    let mut batch = Cells::new(width);
    let mut n = 0;
    while let Some(r) = rows.next()? {
        n += 1;
        let bytes = |i| crate::db::bytes(r, i);
        batch.push(bytes(0)?);
        if format == HandoverFormat::Csv {
            for i in 1..6 {
                batch.push(bytes(i)?);
            }
        } else {
            let text = |i| crate::db::text(r, i);
            batch.push(bytes(2)?);
            let link = match way_out {
                None => crate::email::mailto(text(6)?, text(2)?, text(3)?),
                Some(u) => {
                    let body = format!("{}{}", text(3)?, u.footer(text(5)?).0);
                    crate::email::mailto(text(6)?, text(2)?, &body)
                }
            };
            batch.push(link.as_bytes());
        }
        if batch.bytes.len() >= Cells::BYTES {
            let next = emptied.try_recv().unwrap_or_else(|_| Cells::new(width));
            if full.send(std::mem::replace(&mut batch, next)).is_err() {
                return Ok(n); // the writer stopped: its error is what the caller sees
            }
        }
    }
    if !batch.ends.is_empty() {
        let _ = full.send(batch);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailings::messages::Stored;
    use crate::mailings::mime::{Extras, message};

    fn stored(subject: &str, html: &str) -> Stored {
        Stored {
            id: 1,
            mailing_id: 1,
            from_header: "Free N. <letters@free-n.example.org>".into(),
            to_header: "Anna <anna@example.org>".into(),
            to_address: "anna@example.org".into(),
            reply_to: None,
            subject: subject.into(),
            text: "Body".into(),
            html: html.into(),
            language: "en".into(),
            message_id: "<a.1@free-n.example.org>".into(),
            state: "queued".into(),
            attachments: "[]".into(),
            attempts: 0,
        }
    }

    #[test]
    fn merged_text_cannot_add_header_lines() {
        let m = stored(
            "Hi\r\nBcc: evil@example.net\nX-Injected: yes",
            "<p>Body</p>",
        );
        let x = Extras {
            list_unsubscribe: Some("<mailto:x@example.org>\r\nBcc: evil@example.net".into()),
            ..Default::default()
        };
        let raw = String::from_utf8(
            message(&m, &x, &AttachmentFiles::default(), std::time::UNIX_EPOCH)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        let head = &raw[..raw.find("\r\n\r\n").unwrap()];
        for line in head.split("\r\n") {
            assert!(
                !line.starts_with("Bcc:") && !line.starts_with("X-Injected:"),
                "{head}"
            );
        }
        assert!(
            head.contains("Subject: Hi  Bcc: evil@example.net X-Injected: yes"),
            "{head}"
        );
    }

    #[test]
    fn the_footer_goes_inside_the_body_of_new_and_old_letters() {
        let footer = "<p>Unsubscribe</p>";
        // Merged now: the outbox has the body; the document is made around it.
        let new = stored("Tom & Jerry", "<p>Body</p>\n").html_document(footer);
        assert!(new.starts_with("<!DOCTYPE html>"), "{new}");
        assert!(new.contains("<title>Tom &amp; Jerry</title>"), "{new}");
        assert!(
            new.contains("<p>Body</p>\n<p>Unsubscribe</p></body>\n</html>"),
            "{new}"
        );
        // Merged by an earlier version: the stored document is kept, the footer goes in it.
        let old_doc = crate::templates::html_document("en", "Hi", "<p>Body</p>\n");
        let old = stored("Hi", &old_doc).html_document(footer);
        assert_eq!(old.matches("<!DOCTYPE html>").count(), 1, "{old}");
        assert!(old.contains("<p>Unsubscribe</p></body>"), "{old}");
        assert_eq!(stored("Hi", &old_doc).html_document(""), old_doc);
    }

    #[test]
    fn a_run_sends_the_attachment_it_checked_and_the_next_run_checks_again() {
        use sha2::{Digest, Sha256};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("appeal.pdf");
        std::fs::write(&path, b"%PDF as merged").unwrap();
        let a = super::super::audience::AttachmentRef {
            path: path.display().to_string(),
            sha256: hex::encode(Sha256::digest(b"%PDF as merged")),
        };
        let run = AttachmentFiles::default();
        assert_eq!(run.get(1, &a).unwrap().as_slice(), b"%PDF as merged");
        // Changed in the middle of the run: the letters after still carry what was checked.
        std::fs::write(&path, b"%PDF edited").unwrap();
        assert_eq!(run.get(2, &a).unwrap().as_slice(), b"%PDF as merged");
        // A new run (a new send, another export) reads the file again and refuses it.
        let err = AttachmentFiles::default().get(3, &a).unwrap_err();
        assert!(err.to_string().contains("changed after the merge"), "{err}");
    }
}
