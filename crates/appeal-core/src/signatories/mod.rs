//! Signatories: one row per person, deduplicated, with the rules every stored row obeys.
//!
//! The same [`check`] guards the importer and the edit form, so a value the app refuses to
//! save can never arrive through a file either.

pub(crate) mod query;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use query::{delete, get, list, update};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Subscription {
    Subscribed,
    Unsubscribed,
    #[default]
    Unknown,
}

impl Subscription {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// As stored; anything else is damage.
    pub(crate) fn parse(s: &str) -> crate::Result<Subscription> {
        crate::db::stored("a person's subscription", s)
    }
}

/// Everything about a person that can be imported or edited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SignatoryFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub town: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
    pub consent: Option<bool>,
    pub consent_at: Option<String>,
    pub consent_source: Option<String>,
    #[serde(default)]
    pub subscription: Subscription,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom: BTreeMap<String, String>,
}

impl SignatoryFields {
    /// First and last name as a letter writes them; empty when neither is known.
    pub fn full_name(&self) -> String {
        format!(
            "{} {}",
            self.first_name.as_deref().unwrap_or(""),
            self.last_name.as_deref().unwrap_or("")
        )
        .trim()
        .to_string()
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Signatory {
    pub id: i64,
    #[serde(flatten)]
    #[ts(flatten)]
    pub fields: SignatoryFields,
    pub created_at: String,
    pub updated_at: String,
    /// Titles of the petitions this person signed.
    pub petitions: Vec<String>,
}

/// One line of the signatories table.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct SignatoryRow {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub town: Option<String>,
    pub country: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct SignatoryQuery {
    pub search: Option<String>,
    pub petition_id: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SignatoryPage {
    pub total: i64,
    pub rows: Vec<SignatoryRow>,
}

fn normalise_words(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key two rows of the same person share: the address if there is one; for rows typed up
/// from paper, the name with the postcode (or, failing that, the town). `None` means the row
/// cannot be matched safely and always makes a new person.
pub fn dedupe_key(f: &SignatoryFields) -> Option<String> {
    if let Some(email) = f.email.as_deref().filter(|e| !e.trim().is_empty()) {
        return Some(format!("e:{}", crate::email::normalise_email(email)));
    }
    let name = normalise_words(&format!(
        "{} {}",
        f.first_name.as_deref().unwrap_or(""),
        f.last_name.as_deref().unwrap_or("")
    ));
    if name.is_empty() {
        return None;
    }
    if let Some(pc) = f.postcode.as_deref().filter(|p| !p.trim().is_empty()) {
        let pc: String = pc.chars().filter(|c| !c.is_whitespace()).collect();
        return Some(format!("n:{name}|p:{}", pc.to_uppercase()));
    }
    f.town
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!("n:{name}|t:{}", normalise_words(t)))
}

/// A cell's line break (Alt+Enter in Excel) turned into something the field can hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedCell {
    /// The field's name as a column mapping names it: "town", "first_name".
    pub field: &'static str,
    /// The value as it was in the file, line breaks and all.
    pub from: String,
    /// The value as stored.
    pub to: String,
}

/// The lines of a cell, trimmed, without the empty ones; CRLF, CR and LF all end a line.
fn cell_lines(v: &str) -> impl Iterator<Item = &str> {
    v.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

/// Line breaks inside cells are ordinary data in spreadsheets (Alt+Enter), not a reason to
/// lose a person. The street keeps them as the lines of the postal address (each trimmed, LF
/// only). Postcode, town, country and phone are one line on an envelope and in a CSV cell
/// read by other tools: their lines are joined with ", ". Names are joined with a space: a
/// name goes into the `From:` display name and the salutation, which are one line, and a
/// wrapped double name reads right that way. The email address is not folded: an address with
/// a line break in it is not an address, and [`check`] refuses it. Returns what was folded,
/// for the import report.
pub fn fold_line_breaks(f: &mut SignatoryFields) -> Vec<FoldedCell> {
    let mut folded = Vec::new();
    if let Some(street) = f.street.as_mut().filter(|s| s.contains(['\n', '\r'])) {
        *street = cell_lines(street).collect::<Vec<_>>().join("\n");
    }
    let one_line = [
        ("first_name", &mut f.first_name, " "),
        ("last_name", &mut f.last_name, " "),
        ("phone", &mut f.phone, ", "),
        ("postcode", &mut f.postcode, ", "),
        ("town", &mut f.town, ", "),
        ("country", &mut f.country, ", "),
    ];
    for (field, slot, joiner) in one_line {
        let Some(v) = slot.as_mut().filter(|v| v.contains(['\n', '\r'])) else {
            continue;
        };
        let to = cell_lines(v).collect::<Vec<_>>().join(joiner);
        folded.push(FoldedCell {
            field,
            from: std::mem::replace(v, to.clone()),
            to,
        });
    }
    folded
}

fn check_text(label: &str, value: Option<&str>, max: usize) -> Result<(), String> {
    check_lines(label, value, max, false)
}

/// `multi_line`: the value may hold LF line breaks (the street); CR never.
fn check_lines(
    label: &str,
    value: Option<&str>,
    max: usize,
    multi_line: bool,
) -> Result<(), String> {
    let Some(v) = value else { return Ok(()) };
    if v.contains('\r') || (!multi_line && v.contains('\n')) {
        return Err(format!("{label} contains a line break"));
    }
    if let Some(c) = v.chars().find(|&c| c.is_control() && c != '\n') {
        return Err(format!(
            "{label} contains a control character (U+{:04X})",
            c as u32
        ));
    }
    let n = v.chars().count();
    if n > max {
        return Err(format!(
            "{label} is {n} characters long; at most {max} are allowed"
        ));
    }
    Ok(())
}

/// The rules every stored person obeys. The error is the reason shown to the user.
pub fn check(f: &SignatoryFields) -> Result<(), String> {
    let texts = [
        ("first name", &f.first_name, 200),
        ("last name", &f.last_name, 200),
        ("email", &f.email, 254),
        ("phone", &f.phone, 50),
        ("postcode", &f.postcode, 20),
        ("town", &f.town, 200),
        ("country", &f.country, 100),
        ("language", &f.language, 35),
        ("consent date", &f.consent_at, 64),
        ("consent source", &f.consent_source, 500),
    ];
    for (label, value, max) in texts {
        check_text(label, value.as_deref(), max)?;
    }
    check_lines("street", f.street.as_deref(), 500, true)?;
    for tag in &f.tags {
        check_text("a tag", Some(tag), 100)?;
    }
    for (key, value) in &f.custom {
        check_text("a custom field name", Some(key), 200)?;
        // Custom values may hold several lines (comments); only absurd sizes and NULs are refused.
        if value.contains('\0') {
            return Err(format!("field \"{key}\" contains a NUL byte"));
        }
        let n = value.chars().count();
        if n > 10_000 {
            return Err(format!(
                "field \"{key}\" is {n} characters long; at most 10000 are allowed"
            ));
        }
    }
    if let Some(email) = &f.email
        && !crate::email::is_valid_email(email)
    {
        return Err(format!("'{email}' is not an email address"));
    }
    if f.email.is_none() && f.first_name.is_none() && f.last_name.is_none() {
        return Err("the row has neither an email address nor a name".into());
    }
    Ok(())
}
