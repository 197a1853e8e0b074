//! Reading a file as a table, for imports of signature lists, targets and suppression lists: the encoding and delimiter of a CSV guessed (or given), or the
//! sheets of an XLSX/ODS workbook. The whole file is read once into memory; rows are then
//! streamed to the importer without copying the text again.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader as _};
use csv::StringRecord;
use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FileFormat {
    Csv,
    Xlsx,
    Ods,
}

impl FileFormat {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An open table: its header row and a cursor over the rest.
pub(crate) struct Source {
    pub file_name: String,
    pub format: FileFormat,
    pub encoding: Option<&'static str>,
    pub delimiter: Option<u8>,
    pub sheets: Vec<String>,
    pub headers: Vec<String>,
    pub total_bytes: u64,
    pub content_hash: String,
    rows: Rows,
}

enum Rows {
    Csv(Box<csv::Reader<Cursor<Vec<u8>>>>),
    Sheet(std::vec::IntoIter<(u64, StringRecord)>),
}

impl Source {
    pub fn open(
        path: &Path,
        encoding: Option<&str>,
        delimiter: Option<&str>,
        sheet: Option<&str>,
    ) -> Result<Source> {
        crate::db::refuse_own_files(path)?;
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Source::from_bytes(bytes, file_name, encoding, delimiter, sheet)
    }

    /// Reads a file already in memory; `file_name` decides the format by its extension when
    /// the bytes do not (a workbook is a zip or OLE file whatever its name).
    pub fn from_bytes(
        bytes: Vec<u8>,
        file_name: String,
        encoding: Option<&str>,
        delimiter: Option<&str>,
        sheet: Option<&str>,
    ) -> Result<Source> {
        let content_hash = {
            use sha2::{Digest, Sha256};
            hex::encode(Sha256::digest(&bytes))
        };
        let ext = Path::new(&file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let is_zip = bytes.starts_with(b"PK\x03\x04");
        let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
        if is_zip || is_ole || matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods") {
            return open_workbook(bytes, file_name, content_hash, &ext, sheet);
        }
        open_csv(bytes, file_name, content_hash, encoding, delimiter)
    }

    /// Reads the next row into `rec`; returns its line number, or `None` at the end.
    pub fn next_row(&mut self, rec: &mut StringRecord) -> Result<Option<u64>> {
        match &mut self.rows {
            Rows::Csv(r) => {
                let line = r.position().line();
                match r.read_record(rec) {
                    Ok(true) => Ok(Some(rec.position().map_or(line, |p| {
                        // After a CRLF record the next one is said to start at the LF, still on
                        // the line before: count it where a person sees it.
                        let text = r.get_ref().get_ref();
                        p.line() + u64::from(text.get(p.byte() as usize) == Some(&b'\n'))
                    }))),
                    Ok(false) => Ok(None),
                    Err(e) => Err(Error::MalformedFile {
                        file: self.file_name.clone(),
                        line: e.position().map_or(line, |p| p.line()),
                        message: e.to_string(),
                    }),
                }
            }
            Rows::Sheet(it) => Ok(it.next().map(|(line, r)| {
                *rec = r;
                line
            })),
        }
    }

    /// How far into the file the reader is, in bytes (rows for a workbook).
    pub fn position(&self) -> u64 {
        match &self.rows {
            Rows::Csv(r) => r.position().byte(),
            Rows::Sheet(it) => self.total_bytes - it.len() as u64,
        }
    }
}

fn open_csv(
    bytes: Vec<u8>,
    file_name: String,
    content_hash: String,
    encoding: Option<&str>,
    delimiter: Option<&str>,
) -> Result<Source> {
    let (text, enc) = decode(bytes, encoding)?;
    check_text_like(&text, &file_name)?;
    let delim = match delimiter {
        Some(d) => parse_delimiter(d)?,
        None => sniff_delimiter(&text),
    };
    check_quotes(&text, delim, &file_name)?;
    let total_bytes = text.len() as u64;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(Cursor::new(text.into_bytes()));
    let mut header = StringRecord::new();
    let read = reader
        .read_record(&mut header)
        .map_err(|e| Error::MalformedFile {
            file: file_name.clone(),
            line: 1,
            message: e.to_string(),
        })?;
    if !read {
        return Err(Error::InvalidInput(format!(
            "{file_name} is empty: there is no header row"
        )));
    }
    Ok(Source {
        file_name,
        format: FileFormat::Csv,
        encoding: Some(enc.name()),
        delimiter: Some(delim),
        sheets: Vec::new(),
        headers: header_names(header.iter()),
        total_bytes,
        content_hash,
        rows: Rows::Csv(Box::new(reader)),
    })
}

fn header_names<'a>(cells: impl Iterator<Item = &'a str>) -> Vec<String> {
    cells
        .enumerate()
        .map(|(i, h)| {
            let h = h.trim().trim_start_matches('\u{feff}').trim();
            if h.is_empty() {
                format!("Column {}", i + 1)
            } else {
                h.to_string()
            }
        })
        .collect()
}

/// Turns the file into UTF-8 text: the encoding the user named, else a BOM, else UTF-8 if
/// the bytes are valid UTF-8, else UTF-16 by its zero bytes, else chardetng's guess.
fn decode(bytes: Vec<u8>, label: Option<&str>) -> Result<(String, &'static Encoding)> {
    let enc = match label {
        Some(l) => Encoding::for_label(l.trim().as_bytes()).ok_or_else(|| {
            Error::InvalidInput(format!(
                "'{l}' is not an encoding this app knows; try UTF-8, UTF-16LE, windows-1251 or windows-1252"
            ))
        })?,
        None => match Encoding::for_bom(&bytes) {
            Some((enc, _)) => enc,
            None => match String::from_utf8(bytes) {
                Ok(text) => return Ok((text, encoding_rs::UTF_8)),
                Err(e) => return decode_guessed(e.into_bytes()),
            },
        },
    };
    let (text, _, _) = enc.decode(&bytes);
    Ok((text.into_owned(), enc))
}

fn decode_guessed(bytes: Vec<u8>) -> Result<(String, &'static Encoding)> {
    let sample = &bytes[..bytes.len().min(4096)];
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let half = sample.len() / 2;
    let enc = if half > 8 && zeros_at(1) * 3 > half {
        encoding_rs::UTF_16LE
    } else if half > 8 && zeros_at(0) * 3 > half {
        encoding_rs::UTF_16BE
    } else {
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        det.feed(&bytes[..bytes.len().min(1 << 20)], true);
        det.guess(None, chardetng::Utf8Detection::Allow)
    };
    let (text, _, _) = enc.decode(&bytes);
    Ok((text.into_owned(), enc))
}

/// Refuses files that are not text at all (an image or archive renamed .csv): a text table
/// has few control characters and few undecodable bytes.
fn check_text_like(text: &str, file_name: &str) -> Result<()> {
    let sample: String = text.chars().take(65_536).collect();
    let total = sample.chars().count();
    let bad: Vec<usize> = sample
        .char_indices()
        .filter(|(_, c)| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || *c == '\u{fffd}')
        .map(|(i, _)| i)
        .collect();
    if bad.len() >= 16 && bad.len() * 20 > total {
        let line = sample[..bad[0]].matches('\n').count() as u64 + 1;
        return Err(Error::MalformedFile {
            file: file_name.to_string(),
            line,
            message: "this does not look like a text table (binary data or the wrong encoding)"
                .into(),
        });
    }
    Ok(())
}

fn parse_delimiter(d: &str) -> Result<u8> {
    match d {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "\\t" | "tab" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        other => Err(Error::InvalidInput(format!(
            "'{other}' is not a delimiter this app reads; use , ; tab or |"
        ))),
    }
}

/// Counts each candidate outside quotes on the first lines; the one that splits the lines
/// most consistently (and most often) wins.
fn sniff_delimiter(text: &str) -> u8 {
    let candidates = [b',', b';', b'\t', b'|'];
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    let Some(first) = lines.first() else {
        return b',';
    };
    let count = |line: &str, d: u8| {
        let mut quoted = false;
        line.bytes()
            .filter(|b| {
                if *b == b'"' {
                    quoted = !quoted;
                }
                !quoted && *b == d
            })
            .count()
    };
    candidates
        .into_iter()
        .map(|d| {
            let head = count(first, d);
            let agree = lines.iter().filter(|l| count(l, d) == head).count();
            (d, if head == 0 { 0 } else { agree }, head)
        })
        .max_by_key(|&(_, agree, head)| (agree, head))
        .filter(|&(_, agree, _)| agree > 0)
        .map_or(b',', |(d, _, _)| d)
}

/// The csv crate reads an unterminated quote as a field running to the end of the file;
/// that silently swallows rows, so it is an error here, naming the line the quote opened on.
fn check_quotes(text: &str, delim: u8, file_name: &str) -> Result<()> {
    let (mut line, mut opened_at) = (1u64, 0u64);
    let (mut quoted, mut at_field_start) = (false, true);
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        if quoted {
            if b == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && at_field_start {
            quoted = true;
            opened_at = line;
        }
        at_field_start = !quoted && (b == delim || b == b'\n' || b == b'\r');
    }
    if quoted {
        return Err(Error::MalformedFile {
            file: file_name.to_string(),
            line: opened_at,
            message: "a quoted field starts here and is never closed".into(),
        });
    }
    Ok(())
}

fn open_workbook(
    bytes: Vec<u8>,
    file_name: String,
    content_hash: String,
    ext: &str,
    sheet: Option<&str>,
) -> Result<Source> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        Error::MalformedFile {
            file: file_name.clone(),
            line: 0,
            message: format!("cannot read it as a spreadsheet ({e})"),
        }
    })?;
    let sheets = book.sheet_names();
    let name = match sheet {
        Some(s) => sheets
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{file_name} has no sheet \"{s}\"; its sheets are: {}",
                    sheets.join(", ")
                ))
            })?,
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| Error::InvalidInput(format!("{file_name} has no sheets")))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| Error::MalformedFile {
            file: file_name.clone(),
            line: 0,
            message: format!("cannot read sheet \"{name}\" ({e})"),
        })?;
    let start_row = range.start().map_or(0, |(r, _)| r as u64);
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let rec: StringRecord = cells.iter().map(cell_text).collect::<Vec<_>>().into();
        (start_row + i as u64 + 1, rec)
    });
    let Some((_, header)) = rows.next() else {
        return Err(Error::InvalidInput(format!(
            "sheet \"{name}\" of {file_name} is empty"
        )));
    };
    let rest: Vec<(u64, StringRecord)> = rows.collect();
    let format = if ext == "ods" || file_name.to_lowercase().ends_with(".ods") {
        FileFormat::Ods
    } else {
        FileFormat::Xlsx
    };
    Ok(Source {
        file_name,
        format,
        encoding: None,
        delimiter: None,
        sheets,
        headers: header_names(header.iter()),
        total_bytes: rest.len() as u64,
        content_hash,
        rows: Rows::Sheet(rest.into_iter()),
    })
}

/// A cell as text: whole numbers without ".0" (postcodes, phone numbers), dates as ISO dates.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => {
                let s = d.to_string();
                s.strip_suffix(" 00:00:00").map(str::to_owned).unwrap_or(s)
            }
            None => dt.as_f64().to_string(),
        },
        other => other.to_string(),
    }
}

/// A whole table read into memory: headers and rows with their line numbers. For small
/// files such as lists of targets; signature lists stream through [`run`] instead.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

pub fn read_table(path: &Path) -> Result<Table> {
    let mut src = Source::open(path, None, None, None)?;
    let mut rows = Vec::new();
    let mut rec = StringRecord::new();
    while let Some(line) = src.next_row(&mut rec)? {
        if rec.iter().any(|c| !c.trim().is_empty()) {
            rows.push((line, rec.iter().map(str::to_string).collect()));
        }
    }
    Ok(Table {
        headers: src.headers,
        rows,
    })
}
