//! Importing signature lists: a CSV in any common encoding and delimiter, or an XLSX/ODS
//! sheet, mapped to fields, checked row by row, deduplicated within the file and against the
//! database, and stored in one transaction (all accepted rows, or nothing). An import can be
//! tried first ([`preview`]: a full dry run that writes nothing) and undone later ([`undo`]).

mod history;
pub mod mapping;
mod row;
mod store;

use std::path::Path;

use csv::StringRecord;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::campaigns;
use crate::db::Db;
use crate::error::Result;
use crate::progress::Progress;
use crate::signatories::SignatoryFields;

use crate::suppression::{self, Hasher};

pub use crate::table::FileFormat;
pub use history::{ImportSummary, UndoReport, list, save_rejects, undo};
pub use mapping::{ColumnMapping, Field};
pub use row::{parse_yes_no, tidy};

/// What to do with a person who is already stored when a row brings them again.
#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum OnExisting {
    /// Keep what is stored, fill only what is empty.
    #[default]
    FillBlanks,
    /// The file wins wherever it has a value.
    Overwrite,
    /// Change nothing about them (their signature is still recorded).
    Keep,
}

impl OnExisting {
    fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportOptions {
    /// An encoding label ("UTF-8", "windows-1251" ...); `None` detects it.
    pub encoding: Option<String>,
    /// `,` `;` tab or `|`; `None` detects it.
    pub delimiter: Option<String>,
    /// The sheet of a workbook; `None` takes the first.
    pub sheet: Option<String>,
    /// Changes to the guessed mapping, by column index.
    #[serde(default)]
    pub mapping: Vec<ColumnMapping>,
    #[serde(default)]
    pub on_existing: OnExisting,
    pub petition_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RejectedRow {
    pub line: i64,
    pub reason: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct ImportReport {
    pub import_id: Option<i64>,
    pub dry_run: bool,
    /// Rows read, not counting the header and wholly empty rows.
    pub rows: i64,
    /// New people.
    pub imported: i64,
    /// People already stored whom the file changed.
    pub updated: i64,
    /// Rows of a person already stored or already earlier in the file, that changed nothing.
    pub duplicates: i64,
    /// Rows of people on the suppression list, not imported.
    pub suppressed: i64,
    pub rejected: i64,
    /// The rejected rows (the first 10,000; all are kept with the import).
    pub rejects: Vec<RejectedRow>,
    /// Cells of accepted rows whose line breaks were folded into one line (town, postcode,
    /// country, phone, names); a street's line breaks are kept as its lines and not counted.
    pub folded: i64,
    /// The folded cells (the first 1,000), with their line in the file.
    pub folds: Vec<FoldedRow>,
    /// Columns mapped to a signature's date or comment, kept as custom fields of the person
    /// because no petition was chosen (there is no signature to hold them).
    pub kept_as_custom: Vec<String>,
}

/// A cell of the file whose line breaks were folded, and where.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FoldedRow {
    pub line: i64,
    pub field: Field,
    pub from: String,
    pub to: String,
}

/// How many folded cells a report lists.
const MAX_REPORTED_FOLDS: usize = 1_000;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportPreview {
    pub file_name: String,
    pub format: FileFormat,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheets: Vec<String>,
    pub headers: Vec<String>,
    pub mapping: Vec<ColumnMapping>,
    /// The first rows as they are in the file.
    pub sample: Vec<Vec<String>>,
    /// The first accepted rows as they would be stored.
    pub drafts: Vec<SignatoryFields>,
    /// What importing would do: a full dry run.
    pub report: ImportReport,
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[ts(export)]
pub struct ImportProgress {
    pub rows: i64,
    pub bytes: i64,
    pub total_bytes: i64,
}

const BATCH: usize = 4000;
const MAX_REPORTED_REJECTS: usize = 10_000;
const SAMPLE_ROWS: usize = 10;

/// Imports a file and returns the report. All accepted rows are stored, or none.
pub async fn run(
    db: &Db,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress<ImportProgress>,
) -> Result<ImportReport> {
    Ok(execute(db, path, opts, false, progress).await?.report)
}

/// Reads the whole file and does everything an import would, then rolls it back.
pub async fn preview(db: &Db, path: &Path, opts: &ImportOptions) -> Result<ImportPreview> {
    execute(db, path, opts, true, &crate::progress::Silent).await
}

fn delimiter_name(d: u8) -> String {
    if d == b'\t' {
        "\t".into()
    } else {
        (d as char).to_string()
    }
}

/// What the reading thread hands to the writer: a batch of accepted rows and what else it
/// met on the way.
#[derive(Default)]
struct Parsed {
    drafts: Vec<row::Draft>,
    rejects: Vec<RejectedRow>,
    folded: i64,
    folds: Vec<FoldedRow>,
    rows: i64,
    suppressed: i64,
    position: u64,
}

/// Reads, converts and checks rows on a blocking thread while the caller writes the previous
/// batch: the file is parsed on one core while SQLite works on the other.
fn spawn_reader(
    mut src: crate::table::Source,
    mapping: Vec<ColumnMapping>,
    suppressed: std::collections::HashSet<String>,
    hasher: Hasher,
    sample: std::sync::Arc<std::sync::Mutex<Vec<Vec<String>>>>,
    petition: bool,
) -> tokio::sync::mpsc::Receiver<Result<Parsed>> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut rec = StringRecord::new();
        let mut cur = Parsed::default();
        let mut folds_listed = 0;
        loop {
            let line = match src.next_row(&mut rec) {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            cur.rows += 1;
            if let Ok(mut s) = sample.lock()
                && s.len() < SAMPLE_ROWS
            {
                s.push(rec.iter().map(str::to_string).collect());
            }
            match row::convert(&rec, &mapping, &src.file_name, petition) {
                Err(reason) => cur.rejects.push(RejectedRow {
                    line: line as i64,
                    reason,
                    values: rec.iter().map(str::to_string).collect(),
                }),
                Ok(mut d) => {
                    cur.folded += d.folded.len() as i64;
                    for f in d.folded.drain(..) {
                        if folds_listed < MAX_REPORTED_FOLDS {
                            folds_listed += 1;
                            cur.folds.push(FoldedRow {
                                line: line as i64,
                                field: Field::parse(f.field)
                                    .expect("fold_line_breaks names mapping fields"),
                                from: f.from,
                                to: f.to,
                            });
                        }
                    }
                    let on_list = !suppressed.is_empty()
                        && crate::suppression::subject(&d.fields)
                            .is_some_and(|s| suppressed.contains(&hasher.hash(&s)));
                    if on_list {
                        cur.suppressed += 1;
                    } else {
                        cur.drafts.push(d);
                    }
                }
            }
            if cur.drafts.len() == BATCH {
                cur.position = src.position();
                if tx.blocking_send(Ok(std::mem::take(&mut cur))).is_err() {
                    return; // the writer stopped (an error): nothing more to do
                }
            }
        }
        cur.position = src.total_bytes;
        let _ = tx.blocking_send(Ok(cur));
    });
    rx
}

async fn execute(
    db: &Db,
    path: &Path,
    opts: &ImportOptions,
    dry_run: bool,
    progress: &dyn Progress<ImportProgress>,
) -> Result<ImportPreview> {
    let path_owned = path.to_path_buf();
    let (encoding, delimiter, sheet) = (
        opts.encoding.clone(),
        opts.delimiter.clone(),
        opts.sheet.clone(),
    );
    let src = tokio::task::spawn_blocking(move || {
        crate::table::Source::open(
            &path_owned,
            encoding.as_deref(),
            delimiter.as_deref(),
            sheet.as_deref(),
        )
    })
    .await
    .expect("the file reader does not panic")?;
    let mut mapping = mapping::guess(&src.headers);
    mapping::apply_overrides(&mut mapping, &opts.mapping)?;
    let kept_as_custom = match opts.petition_id {
        Some(_) => Vec::new(),
        None => mapping
            .iter()
            .filter(|m| matches!(m.field, Field::SignedAt | Field::Comment))
            .map(|m| m.header.clone())
            .collect(),
    };
    if let Some(p) = opts.petition_id {
        campaigns::get_petition(db, p).await?;
    }
    let suppressed = suppression::all_hashes(db).await?;
    let hasher = Hasher::load(db).await?;

    // Everything is written through the bulk connection, in one transaction.
    let mut bulk = db.bulk_write().await?;
    let row = ImportRow {
        file_name: src.file_name.clone(),
        content_hash: src.content_hash.clone(),
        format: src.format.as_str(),
        encoding: src.encoding,
        delimiter: src.delimiter.map(delimiter_name),
        mapping: serde_json::to_string(&mapping).expect("mapping serialises"),
        on_existing: opts.on_existing,
        petition_id: opts.petition_id,
        created_at: db.now(),
    };
    let mut writer = bulk.run(move |c| row.insert(c)).await?;
    let mut report = ImportReport {
        dry_run,
        kept_as_custom,
        ..Default::default()
    };
    let mut drafts = Vec::new();
    let total_bytes = src.total_bytes as i64;
    let preview = ImportPreview {
        file_name: src.file_name.clone(),
        format: src.format,
        encoding: src.encoding.map(str::to_string),
        delimiter: src.delimiter.map(delimiter_name),
        sheets: src.sheets.clone(),
        headers: src.headers.clone(),
        mapping: mapping.clone(),
        sample: Vec::new(),
        drafts: Vec::new(),
        report: ImportReport::default(),
    };
    let sample = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut batches = spawn_reader(
        src,
        mapping.clone(),
        suppressed,
        hasher,
        sample.clone(),
        opts.petition_id.is_some(),
    );
    // Rejected rows keep their normalised address, so erasure can find them.
    let email_column = mapping
        .iter()
        .find(|m| m.field == Field::Email)
        .map(|m| m.index as usize);
    while let Some(batch) = batches.recv().await {
        let mut batch = batch?;
        report.rows += batch.rows;
        report.suppressed += batch.suppressed;
        report.rejected += batch.rejects.len() as i64;
        report.folded += batch.folded;
        report.folds.append(&mut batch.folds);
        for d in batch
            .drafts
            .iter()
            .take(SAMPLE_ROWS.saturating_sub(drafts.len()))
        {
            drafts.push(d.fields.clone());
        }
        let room = MAX_REPORTED_REJECTS.saturating_sub(report.rejects.len());
        report
            .rejects
            .extend(batch.rejects.iter().take(room).cloned());
        writer = bulk
            .run(move |c| {
                for r in &batch.rejects {
                    store_reject(c, writer.import_id(), r, email_column)?;
                }
                writer.write_batch(c, batch.drafts)?;
                Ok(writer)
            })
            .await?;
        progress.report(ImportProgress {
            rows: report.rows,
            bytes: batch.position as i64,
            total_bytes,
        });
    }
    report.imported = writer.counts.imported;
    report.updated = writer.counts.updated;
    report.duplicates = writer.counts.duplicates;
    let import_id = writer.import_id();
    report = bulk
        .run(move |c| {
            c.execute(
                "UPDATE imports SET rows = ?, imported = ?, updated = ?, duplicates = ?, suppressed = ?, rejected = ? WHERE id = ?",
                rusqlite::params![
                    report.rows,
                    report.imported,
                    report.updated,
                    report.duplicates,
                    report.suppressed,
                    report.rejected,
                    import_id
                ],
            )?;
            Ok(report)
        })
        .await?;
    if dry_run {
        bulk.rollback().await?;
    } else {
        bulk.commit().await?;
        report.import_id = Some(import_id);
    }
    let sample = std::mem::take(&mut *sample.lock().expect("the reader finished"));
    Ok(ImportPreview {
        sample,
        drafts,
        report,
        ..preview
    })
}

/// The import's own row, written first: the writer numbers what follows from it.
struct ImportRow {
    file_name: String,
    content_hash: String,
    format: &'static str,
    encoding: Option<&'static str>,
    delimiter: Option<String>,
    mapping: String,
    on_existing: OnExisting,
    petition_id: Option<i64>,
    created_at: String,
}

impl ImportRow {
    fn insert(self, c: &rusqlite::Connection) -> Result<store::Writer> {
        c.execute(
            "INSERT INTO imports (file_name, content_hash, format, encoding, delimiter, mapping, on_existing, petition_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rusqlite::params![
                self.file_name,
                self.content_hash,
                self.format,
                self.encoding,
                self.delimiter,
                self.mapping,
                self.on_existing.as_str(),
                self.petition_id,
                self.created_at
            ],
        )?;
        store::Writer::new(
            c,
            c.last_insert_rowid(),
            self.petition_id,
            self.on_existing,
            self.file_name,
            self.created_at,
        )
    }
}

fn store_reject(
    c: &rusqlite::Connection,
    import_id: i64,
    r: &RejectedRow,
    email_column: Option<usize>,
) -> Result<()> {
    let email_key = email_column
        .and_then(|i| r.values.get(i))
        .map(|e| crate::email::normalise_email(e))
        .filter(|e| !e.is_empty());
    c.prepare_cached("INSERT OR REPLACE INTO import_rejects (import_id, line, reason, email_key, raw) VALUES (?, ?, ?, ?, ?)")?
        .execute(rusqlite::params![
            import_id,
            r.line,
            r.reason,
            email_key,
            serde_json::to_string(&r.values).expect("strings serialise")
        ])?;
    Ok(())
}

/// Reads only the header row, for a caller that needs the columns before choosing a mapping
/// (the CLI's `--map "Header=field"`).
pub fn headers(path: &Path, opts: &ImportOptions) -> Result<Vec<String>> {
    let src = crate::table::Source::open(
        path,
        opts.encoding.as_deref(),
        opts.delimiter.as_deref(),
        opts.sheet.as_deref(),
    )?;
    Ok(src.headers)
}

/// For the fuzzer (`fuzz/`): everything an import does to a file short of the database —
/// decoding, splitting, mapping and checking each row. It must never panic.
#[doc(hidden)]
pub fn fuzz_parse(bytes: &[u8], file_name: &str) {
    let Ok(mut src) =
        crate::table::Source::from_bytes(bytes.to_vec(), file_name.to_string(), None, None, None)
    else {
        return;
    };
    let mapping = mapping::guess(&src.headers);
    let mut rec = StringRecord::new();
    while let Ok(Some(_)) = src.next_row(&mut rec) {
        let _ = row::convert(&rec, &mapping, file_name, true);
    }
}
