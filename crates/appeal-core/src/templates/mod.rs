//! Templates: a subject and a Markdown body with Jinja2 merge fields, in one or more
//! languages, checked strictly before anything is merged.

mod check;
mod locale;
mod markdown;
mod plain;
pub mod render;
mod values;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

pub use check::{TemplatePart, TemplateProblem, check, fields};
pub use locale::format_date;
#[cfg(test)]
pub(crate) use markdown::html_document;
pub(crate) use markdown::push_stored_html;
pub use render::{Rendered, render};

use crate::db::Db;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TemplateVariant {
    pub language: String,
    pub subject: String,
    /// Markdown with Jinja2 merge fields.
    pub body: String,
}

/// A template as the editor holds it; `id` is `None` until saved.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TemplateDraft {
    pub id: Option<i64>,
    pub campaign_id: i64,
    pub name: String,
    pub fallback_language: String,
    pub variants: Vec<TemplateVariant>,
    /// Files attached to every letter, by templated absolute path
    /// (`/home/ana/letters/{{ signatory.last_name }}.pdf`); each must exist before merging.
    #[serde(default)]
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Template {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    pub fallback_language: String,
    pub variants: Vec<TemplateVariant>,
    pub attachments: Vec<String>,
    pub updated_at: String,
}

impl Template {
    pub fn draft(&self) -> TemplateDraft {
        TemplateDraft {
            id: Some(self.id),
            campaign_id: self.campaign_id,
            name: self.name.clone(),
            fallback_language: self.fallback_language.clone(),
            variants: self.variants.clone(),
            attachments: self.attachments.clone(),
        }
    }
}

impl TemplateDraft {
    /// The variant for a recipient's language, else the fallback.
    pub fn variant_for(&self, language: Option<&str>) -> Option<&TemplateVariant> {
        let wanted = language.map(|l| l.trim().to_lowercase());
        wanted
            .and_then(|w| self.variants.iter().find(|v| v.language == w))
            .or_else(|| {
                self.variants
                    .iter()
                    .find(|v| v.language == self.fallback_language)
            })
    }

    fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::InvalidInput("a template needs a name".into()));
        }
        if self.variants.is_empty() {
            return Err(Error::InvalidInput(
                "a template needs at least one language variant".into(),
            ));
        }
        let mut langs: Vec<&str> = self.variants.iter().map(|v| v.language.as_str()).collect();
        for l in &langs {
            if l.is_empty()
                || l.len() > 35
                || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(Error::InvalidInput(format!(
                    "'{l}' is not a language code; use codes such as en, ru, de, pt-br"
                )));
            }
        }
        langs.sort();
        if langs.windows(2).any(|w| w[0] == w[1]) {
            return Err(Error::InvalidInput(
                "each language may have only one variant".into(),
            ));
        }
        if !self
            .variants
            .iter()
            .any(|v| v.language == self.fallback_language)
        {
            return Err(Error::InvalidInput(format!(
                "the fallback language '{}' has no variant; add it or choose another fallback",
                self.fallback_language
            )));
        }
        Ok(())
    }
}

pub async fn list(db: &Db, campaign_id: i64) -> Result<Vec<Template>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM templates WHERE campaign_id = ? ORDER BY name")
            .bind(campaign_id)
            .fetch_all(db.pool())
            .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get(db, id).await?);
    }
    Ok(out)
}

pub async fn get(db: &Db, id: i64) -> Result<Template> {
    let row = sqlx::query("SELECT * FROM templates WHERE id = ?")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no template with id {id}")))?;
    let attachments: String = row.try_get("attachments")?;
    let variants = sqlx::query_as::<_, (String, String, String)>(
        "SELECT language, subject, body FROM template_variants WHERE template_id = ? ORDER BY language",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|(language, subject, body)| TemplateVariant { language, subject, body })
    .collect();
    Ok(Template {
        id,
        campaign_id: row.try_get("campaign_id")?,
        name: row.try_get("name")?,
        fallback_language: row.try_get("fallback_language")?,
        variants,
        attachments: crate::db::stored_json(&attachments, "a template's list of attachments")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Saves a template (new when `id` is `None`). Broken templates may be saved — drafters save
/// work in progress — but merging checks them again and refuses.
pub async fn save(db: &Db, draft: &TemplateDraft) -> Result<Template> {
    let mut d = draft.clone();
    d.fallback_language = d.fallback_language.trim().to_lowercase();
    for v in &mut d.variants {
        v.language = v.language.trim().to_lowercase();
    }
    d.attachments.retain(|a| !a.trim().is_empty());
    d.validate()?;
    crate::campaigns::get_campaign(db, d.campaign_id).await?;
    let mut tx = db.pool().begin().await?;
    let id = match d.id {
        Some(id) => {
            let done = sqlx::query(
                "UPDATE templates SET name = ?, fallback_language = ?, attachments = ?, updated_at = ? WHERE id = ?",
            )
                .bind(d.name.trim())
                .bind(&d.fallback_language)
                .bind(serde_json::to_string(&d.attachments).expect("strings serialise"))
                .bind(db.now())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_name(e, &d.name))?;
            if done.rows_affected() == 0 {
                return Err(Error::NotFound(format!("there is no template with id {id}")));
            }
            sqlx::query("DELETE FROM template_variants WHERE template_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => sqlx::query(
            "INSERT INTO templates (campaign_id, name, fallback_language, attachments, updated_at) VALUES (?, ?, ?, ?, ?)",
        )
            .bind(d.campaign_id)
            .bind(d.name.trim())
            .bind(&d.fallback_language)
            .bind(serde_json::to_string(&d.attachments).expect("strings serialise"))
            .bind(db.now())
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_name(e, &d.name))?
            .last_insert_rowid(),
    };
    for v in &d.variants {
        sqlx::query("INSERT INTO template_variants (template_id, language, subject, body) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(&v.language)
            .bind(&v.subject)
            .bind(&v.body)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    get(db, id).await
}

fn unique_name(e: sqlx::Error, name: &str) -> Error {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::Conflict(format!(
            "this campaign already has a template called \"{}\"",
            name.trim()
        )),
        other => other.into(),
    }
}

pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM templates WHERE id = ?")
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                Error::Conflict("a mailing uses this template; delete the mailing first".into())
            }
            other => other.into(),
        })?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!(
            "there is no template with id {id}"
        )));
    }
    Ok(())
}
