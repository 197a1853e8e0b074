//! Exporting a petition's signature list as CSV for delivery to its target: every column, the
//! columns chosen, or the privacy preset (name and town). UTF-8 with an optional BOM for Excel;
//! a cell that a spreadsheet would run as a formula is neutralised.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::signatories::query::{FIELD_COLUMNS, fields_from_row};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ExportPreset {
    /// Every field and every custom field.
    #[default]
    All,
    /// For the target: first name, last name and town only.
    Delivery,
    /// The columns listed in `columns`.
    #[cfg_attr(feature = "clap", value(skip))]
    Custom,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportOptions {
    /// The petition whose signatures to export; `None` exports every signatory.
    pub petition_id: Option<i64>,
    pub preset: ExportPreset,
    #[serde(default)]
    pub columns: Vec<String>,
    /// Start the file with a byte-order mark so Excel reads it as UTF-8.
    #[serde(default)]
    pub bom: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportReport {
    pub rows: i64,
    pub path: String,
    pub columns: Vec<String>,
}

const STANDARD: [&str; 17] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "postcode",
    "town",
    "country",
    "language",
    "consent",
    "consent_at",
    "consent_source",
    "subscription",
    "tags",
    "signed_at",
    "comment",
    "created_at",
];
const DELIVERY: [&str; 3] = ["first_name", "last_name", "town"];

/// Every column name an export can have: the standard ones, then each custom field.
pub async fn columns(db: &Db) -> Result<Vec<String>> {
    let custom: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT j.key FROM signatories, json_each(signatories.custom) AS j ORDER BY j.key",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(STANDARD
        .iter()
        .map(|s| s.to_string())
        .chain(custom)
        .collect())
}

/// A cell as it is safe to open in a spreadsheet: text that would start a formula gets a
/// leading apostrophe (OWASP's advice for CSV injection).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if starts_formula(cell.as_bytes()) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn starts_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A new file for personal data, readable by its owner only (0600), replacing one there.
pub(crate) fn private_file(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io("create", path, e))
}

/// A file for personal data being written beside its destination (`tempfile`: mode 0600, a
/// random name in the same folder, removed if dropped), moved into place by [`persist`].
pub(crate) fn beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".appeal-desk-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a file in", dir, e))
}

/// Syncs a file written by [`beside`] and moves it into place under `path`.
pub(crate) fn persist(file: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    file.as_file()
        .sync_all()
        .map_err(|e| Error::io("write", path, e))?;
    file.persist(path)
        .map_err(|e| Error::io("move into place", path, e.error))?;
    Ok(())
}

/// A CSV file being written: RFC 4180 quoting, neutralised cells, optional BOM. The file is
/// written next to its destination and moved into place at the end, so a failed export never
/// leaves half a file under the chosen name; dropped unfinished, the partial file is removed.
pub struct CsvOut {
    writer: Option<csv::Writer<BufWriter<tempfile::NamedTempFile>>>,
    path: PathBuf,
}

impl CsvOut {
    pub fn create(path: &Path, bom: bool) -> Result<CsvOut> {
        crate::db::refuse_own_files(path)?;
        let mut buf = BufWriter::with_capacity(1 << 20, beside(path)?);
        if bom {
            buf.write_all("\u{feff}".as_bytes())
                .map_err(|e| Error::io("write", path, e))?;
        }
        Ok(CsvOut {
            writer: Some(csv::WriterBuilder::new().from_writer(buf)),
            path: path.to_path_buf(),
        })
    }

    pub fn write<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        self.write_bytes(cells.iter().map(|c| c.as_ref().as_bytes()))
    }

    /// One record of cells given as UTF-8 bytes.
    pub fn write_bytes<'c>(&mut self, cells: impl IntoIterator<Item = &'c [u8]>) -> Result<()> {
        let writer = self.writer.as_mut().expect("written only before finish");
        writer
            .write_record(cells.into_iter().map(|c| {
                if starts_formula(c) {
                    Cow::Owned([b"'", c].concat())
                } else {
                    Cow::Borrowed(c)
                }
            }))
            .map_err(|e| Error::io("write", &self.path, std::io::Error::other(e)))
    }

    /// Writes out what is buffered, syncs the file to disk and moves it into place.
    pub fn finish(mut self) -> Result<()> {
        let writer = self.writer.take().expect("finished once");
        let buf = writer
            .into_inner()
            .map_err(|e| Error::io("write", &self.path, std::io::Error::other(e.to_string())))?;
        let file = buf
            .into_inner()
            .map_err(|e| Error::io("write", &self.path, e.into_error()))?;
        persist(file, &self.path)
    }
}

pub async fn export_signatures(db: &Db, path: &Path, opts: &ExportOptions) -> Result<ExportReport> {
    let available = columns(db).await?;
    let chosen: Vec<String> = match opts.preset {
        ExportPreset::All => available.clone(),
        ExportPreset::Delivery => DELIVERY.iter().map(|s| s.to_string()).collect(),
        ExportPreset::Custom => {
            if opts.columns.is_empty() {
                return Err(Error::InvalidInput(
                    "choose at least one column to export".into(),
                ));
            }
            for c in &opts.columns {
                if !available.contains(c) {
                    return Err(Error::InvalidInput(format!(
                        "there is no column \"{c}\" to export; the columns are: {}",
                        available.join(", ")
                    )));
                }
            }
            opts.columns.clone()
        }
    };
    if let Some(p) = opts.petition_id {
        crate::campaigns::get_petition(db, p).await?;
    }
    let sql = match opts.petition_id {
        Some(_) => format!(
            "SELECT {FIELD_COLUMNS}, s.signed_at, s.comment, g.created_at
             FROM signatures s JOIN signatories g ON g.id = s.signatory_id
             WHERE s.petition_id = ? ORDER BY s.id"
        ),
        None => format!(
            "SELECT {FIELD_COLUMNS}, NULL AS signed_at, NULL AS comment, created_at
             FROM signatories WHERE ? IS NULL ORDER BY id"
        ),
    };
    let mut out = CsvOut::create(path, opts.bom)?;
    out.write(&chosen)?;
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(opts.petition_id)
        .fetch(db.pool());
    let mut n = 0i64;
    let mut cells: Vec<String> = Vec::with_capacity(chosen.len());
    while let Some(row) = rows.try_next().await? {
        let f = fields_from_row(&row)?;
        let signed_at: Option<String> = row.try_get("signed_at")?;
        let comment: Option<String> = row.try_get("comment")?;
        let created_at: String = row.try_get("created_at")?;
        cells.clear();
        for c in &chosen {
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            cells.push(match c.as_str() {
                "first_name" => text(&f.first_name),
                "last_name" => text(&f.last_name),
                "email" => text(&f.email),
                "phone" => text(&f.phone),
                "street" => text(&f.street),
                "postcode" => text(&f.postcode),
                "town" => text(&f.town),
                "country" => text(&f.country),
                "language" => text(&f.language),
                "consent" => f
                    .consent
                    .map_or(String::new(), |c| if c { "yes" } else { "no" }.into()),
                "consent_at" => text(&f.consent_at),
                "consent_source" => text(&f.consent_source),
                "subscription" => f.subscription.as_str().into(),
                "tags" => f.tags.join(", "),
                "signed_at" => text(&signed_at),
                "comment" => text(&comment),
                "created_at" => created_at.clone(),
                custom => f.custom.get(custom).cloned().unwrap_or_default(),
            });
        }
        out.write(&cells)?;
        n += 1;
    }
    drop(rows);
    out.finish()?;
    Ok(ExportReport {
        rows: n,
        path: path.display().to_string(),
        columns: chosen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_file_is_removed_and_a_finished_one_moved_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.csv");
        let mut out = CsvOut::create(&path, false).unwrap();
        out.write(&["name", "town"]).unwrap();
        drop(out); // as when a read fails half-way
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let mut out = CsvOut::create(&path, false).unwrap();
        out.write(&["=1+1", "Graz, \"Süd\""]).unwrap();
        out.write_bytes([b"-2".as_slice(), b"line\nbreak"]).unwrap();
        out.finish().unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["list.csv"]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "'=1+1,\"Graz, \"\"Süd\"\"\"\n'-2,\"line\nbreak\"\n"
        );
    }
}
