//! Targets: the decision-makers a campaign writes to, with their form of address.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, Row};
use ts_rs::TS;

use crate::db::Db;
use crate::email::is_valid_email;
use crate::error::{Error, Result};
use crate::export::CsvOut;
use crate::imports::RejectedRow;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, FromRow, TS)]
#[ts(export)]
pub struct TargetFields {
    pub name: String,
    pub title: Option<String>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    /// Postal address lines, newline-separated.
    pub address: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
    /// "Dear Prosecutor General", "Уважаемый господин Прокурор".
    pub form_of_address: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Target {
    pub id: i64,
    pub campaign_id: i64,
    pub created_at: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub fields: TargetFields,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct TargetImportReport {
    pub rows: i64,
    pub imported: i64,
    pub updated: i64,
    pub rejected: i64,
    pub rejects: Vec<RejectedRow>,
}

/// A target's fields by name: the columns of a targets file, and what a template can name on
/// `target`.
pub(crate) const FIELDS: [&str; 8] = [
    "name",
    "title",
    "organisation",
    "email",
    "address",
    "country",
    "language",
    "form_of_address",
];

fn tidy(mut f: TargetFields) -> Result<TargetFields, String> {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    f.name = f.name.trim().to_string();
    f.title = clean(f.title);
    f.organisation = clean(f.organisation);
    f.email = clean(f.email);
    f.address = clean(f.address).map(|a| a.replace("\r\n", "\n"));
    f.country = clean(f.country);
    f.language = clean(f.language).map(|l| l.to_lowercase());
    f.form_of_address = clean(f.form_of_address);
    if f.name.is_empty() {
        return Err("a target needs a name".into());
    }
    for (label, v) in [
        ("name", Some(&f.name)),
        ("title", f.title.as_ref()),
        ("organisation", f.organisation.as_ref()),
        ("email", f.email.as_ref()),
        ("country", f.country.as_ref()),
        ("language", f.language.as_ref()),
        ("form of address", f.form_of_address.as_ref()),
    ] {
        if let Some(v) = v {
            if v.chars().any(char::is_control) {
                return Err(format!(
                    "the {label} contains a line break or control character"
                ));
            }
            if v.chars().count() > 300 {
                return Err(format!("the {label} is longer than 300 characters"));
            }
        }
    }
    if let Some(a) = &f.address
        && (a.chars().any(|c| c.is_control() && c != '\n') || a.chars().count() > 1000)
    {
        return Err("the address has control characters or is longer than 1000 characters".into());
    }
    if let Some(e) = &f.email
        && !is_valid_email(e)
    {
        return Err(format!("'{e}' is not an email address"));
    }
    Ok(f)
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Target> {
    Ok(Target {
        id: row.try_get("id")?,
        campaign_id: row.try_get("campaign_id")?,
        created_at: row.try_get("created_at")?,
        fields: TargetFields::from_row(row)?,
    })
}

pub async fn list(db: &Db, campaign_id: i64) -> Result<Vec<Target>> {
    let rows = sqlx::query("SELECT * FROM targets WHERE campaign_id = ? ORDER BY name, id")
        .bind(campaign_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Target> {
    let row = sqlx::query("SELECT * FROM targets WHERE id = ?")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no target with id {id}")))?;
    from_row(&row)
}

async fn write(
    conn: &mut sqlx::SqliteConnection,
    id: Option<i64>,
    campaign_id: i64,
    f: &TargetFields,
    ts: &str,
) -> Result<i64> {
    let q = match id {
        Some(_) => sqlx::query(
            "UPDATE targets SET name = ?, title = ?, organisation = ?, email = ?, address = ?, country = ?,
                language = ?, form_of_address = ?, updated_at = ? WHERE id = ? AND campaign_id = ?",
        ),
        None => sqlx::query(
            "INSERT INTO targets (name, title, organisation, email, address, country, language, form_of_address,
                updated_at, created_at, campaign_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ),
    };
    let q = q
        .bind(&f.name)
        .bind(&f.title)
        .bind(&f.organisation)
        .bind(&f.email)
        .bind(&f.address)
        .bind(&f.country)
        .bind(&f.language)
        .bind(&f.form_of_address)
        .bind(ts);
    let done = match id {
        Some(id) => q.bind(id).bind(campaign_id).execute(&mut *conn).await?,
        None => q.bind(ts).bind(campaign_id).execute(&mut *conn).await?,
    };
    match id {
        Some(id) if done.rows_affected() == 0 => {
            Err(Error::NotFound(format!("there is no target with id {id}")))
        }
        Some(id) => Ok(id),
        None => Ok(done.last_insert_rowid()),
    }
}

pub async fn create(db: &Db, campaign_id: i64, fields: &TargetFields) -> Result<Target> {
    crate::campaigns::get_campaign(db, campaign_id).await?;
    let f = tidy(fields.clone()).map_err(Error::InvalidInput)?;
    let mut conn = db.pool().acquire().await?;
    let id = write(&mut conn, None, campaign_id, &f, &db.now()).await?;
    get(db, id).await
}

pub async fn update(db: &Db, id: i64, fields: &TargetFields) -> Result<Target> {
    let t = get(db, id).await?;
    let f = tidy(fields.clone()).map_err(Error::InvalidInput)?;
    let mut conn = db.pool().acquire().await?;
    write(&mut conn, Some(id), t.campaign_id, &f, &db.now()).await?;
    get(db, id).await
}

pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM targets WHERE id = ?")
        .bind(id)
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!("there is no target with id {id}")));
    }
    Ok(())
}

/// Which target field a header names (English, Russian, German, French, Spanish).
fn guess(header: &str) -> Option<usize> {
    let h: String = header
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let names: [&[&str]; 8] = [
        &["name", "fullname", "имя", "фио", "nom", "nombre"],
        &[
            "title",
            "position",
            "должность",
            "titel",
            "funktion",
            "titre",
            "cargo",
        ],
        &[
            "organisation",
            "organization",
            "institution",
            "организация",
            "ведомство",
            "behörde",
            "organisme",
            "organización",
        ],
        &[
            "email",
            "emailaddress",
            "mail",
            "почта",
            "электроннаяпочта",
            "courriel",
            "correo",
        ],
        &[
            "address",
            "postaladdress",
            "адрес",
            "anschrift",
            "adresse",
            "dirección",
            "direccion",
        ],
        &["country", "страна", "land", "pays", "país", "pais"],
        &["language", "lang", "язык", "sprache", "langue", "idioma"],
        &[
            "formofaddress",
            "salutation",
            "greeting",
            "обращение",
            "anrede",
            "formuledappel",
            "saludo",
        ],
    ];
    names.iter().position(|n| n.contains(&h.as_str()))
}

/// Imports targets from a CSV or workbook (same reader as signature lists). A row whose
/// email, or else name, matches a target of the campaign updates it. One transaction.
pub async fn import(db: &Db, campaign_id: i64, path: &Path) -> Result<TargetImportReport> {
    crate::campaigns::get_campaign(db, campaign_id).await?;
    let table = crate::table::read_table(path)?;
    let columns: Vec<Option<usize>> = table.headers.iter().map(|h| guess(h)).collect();
    if !columns.contains(&Some(0)) {
        return Err(Error::InvalidInput(format!(
            "{} has no name column; its columns are: {}",
            path.display(),
            table.headers.join(", ")
        )));
    }
    let existing = list(db, campaign_id).await?;
    let mut tx = db.pool().begin().await?;
    let mut report = TargetImportReport::default();
    for (line, cells) in table.rows {
        report.rows += 1;
        let mut values: [Option<String>; 8] = Default::default();
        for (i, cell) in cells.iter().enumerate() {
            if let Some(Some(field)) = columns.get(i) {
                values[*field].get_or_insert_with(|| cell.clone());
            }
        }
        let [
            name,
            title,
            organisation,
            email,
            address,
            country,
            language,
            form_of_address,
        ] = values;
        let fields = TargetFields {
            name: name.unwrap_or_default(),
            title,
            organisation,
            email,
            address,
            country,
            language,
            form_of_address,
        };
        match tidy(fields) {
            Err(reason) => {
                report.rejected += 1;
                report.rejects.push(RejectedRow {
                    line: line as i64,
                    reason,
                    values: cells,
                });
            }
            Ok(f) => {
                let same = existing.iter().find(|t| match (&t.fields.email, &f.email) {
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => t.fields.name == f.name,
                });
                write(&mut tx, same.map(|t| t.id), campaign_id, &f, &db.now()).await?;
                if same.is_some() {
                    report.updated += 1
                } else {
                    report.imported += 1
                }
            }
        }
    }
    tx.commit().await?;
    Ok(report)
}

/// Writes the campaign's targets as CSV, with the same columns the importer reads.
pub async fn export(db: &Db, campaign_id: i64, path: &Path) -> Result<i64> {
    let targets = list(db, campaign_id).await?;
    let mut out = CsvOut::create(path, false)?;
    out.write(&FIELDS)?;
    for t in &targets {
        let f = &t.fields;
        let cell = |v: &Option<String>| v.clone().unwrap_or_default();
        out.write(&[
            f.name.clone(),
            cell(&f.title),
            cell(&f.organisation),
            cell(&f.email),
            cell(&f.address),
            cell(&f.country),
            cell(&f.language),
            cell(&f.form_of_address),
        ])?;
    }
    out.finish()?;
    Ok(targets.len() as i64)
}
