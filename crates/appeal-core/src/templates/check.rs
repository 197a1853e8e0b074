//! Strict checking of a template: syntax errors with line and column, and every merge field
//! that does not exist, with the closest one that does.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::TemplateDraft;
use super::render::environment;
use super::values::PERSON_KEYS;
use crate::db::Db;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TemplatePart {
    Subject,
    Body,
    /// One of the templated attachment paths (language "all").
    Attachment,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TemplateProblem {
    pub language: String,
    pub part: TemplatePart,
    /// 1-based, within that part.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// Names a template may use that are not data: Jinja's own globals and loop helpers.
const GLOBALS: [&str; 8] = [
    "range",
    "dict",
    "namespace",
    "debug",
    "loop",
    "cycler",
    "joiner",
    "lipsum",
];

/// Every merge field a template of this campaign can use, custom fields of its people included.
pub async fn fields(db: &Db, _campaign_id: i64) -> Result<Vec<String>> {
    let mut out: Vec<String> = PERSON_KEYS
        .iter()
        .map(|f| format!("signatory.{f}"))
        .collect();
    let custom: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT j.key FROM signatories, json_each(signatories.custom) AS j ORDER BY j.key LIMIT 500",
    )
    .fetch_all(db.pool())
    .await?;
    out.extend(custom.iter().map(|k| {
        if k.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !k.starts_with(|c: char| c.is_ascii_digit())
        {
            format!("signatory.custom.{k}")
        } else {
            format!("signatory.custom[\"{}\"]", k.replace('"', "\\\""))
        }
    }));
    out.extend(crate::targets::FIELDS.iter().map(|f| format!("target.{f}")));
    out.extend(["campaign.name", "sender.name", "sender.address", "today"].map(String::from));
    Ok(out)
}

fn is_known(var: &str, known: &[String]) -> bool {
    // Custom fields come and go with imports: any name under signatory.custom is accepted.
    GLOBALS.contains(&var)
        || var == "signatory.custom"
        || var.starts_with("signatory.custom.")
        || known.iter().any(|k| {
            k == var || var.starts_with(&format!("{k}.")) || k.starts_with(&format!("{var}."))
        })
}

fn closest<'a>(var: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(var, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.as_str())
}

/// 1-based line and column of a byte offset.
fn position(source: &str, offset: usize) -> (u32, u32) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, col as u32)
}

/// Checks every variant's subject and body. An empty list means the template is sound.
pub fn check(draft: &TemplateDraft, known: &[String]) -> Vec<TemplateProblem> {
    let env = environment();
    let mut problems = Vec::new();
    let mut parts: Vec<(&str, TemplatePart, &String)> = Vec::new();
    for v in &draft.variants {
        parts.push((&v.language, TemplatePart::Subject, &v.subject));
        parts.push((&v.language, TemplatePart::Body, &v.body));
    }
    for a in &draft.attachments {
        parts.push(("all", TemplatePart::Attachment, a));
    }
    {
        for (language, part, source) in parts {
            let problem = |line, column, message| TemplateProblem {
                language: language.to_string(),
                part,
                line,
                column,
                message,
            };
            if part == TemplatePart::Subject && source.trim().is_empty() {
                problems.push(problem(None, None, "the subject is empty".into()));
                continue;
            }
            let tmpl = match env.template_from_str(source) {
                Ok(t) => t,
                Err(e) => {
                    let (line, column) = match e.range() {
                        Some(r) => {
                            let (l, c) = position(source, r.start);
                            (Some(l), Some(c))
                        }
                        None => (e.line().map(|l| l as u32), None),
                    };
                    let detail = e
                        .detail()
                        .map(str::to_string)
                        .unwrap_or_else(|| e.kind().to_string());
                    problems.push(problem(line, column, format!("syntax error: {detail}")));
                    continue;
                }
            };
            let mut vars: Vec<String> = tmpl.undeclared_variables(true).into_iter().collect();
            vars.sort();
            for var in vars {
                if is_known(&var, known) {
                    continue;
                }
                let (line, column) = match source.find(var.as_str()) {
                    Some(at) => {
                        let (l, c) = position(source, at);
                        (Some(l), Some(c))
                    }
                    None => (None, None),
                };
                let hint = closest(&var, known)
                    .map(|k| format!("; did you mean {k}?"))
                    .unwrap_or_default();
                problems.push(problem(line, column, format!("unknown field {var}{hint}")));
            }
        }
    }
    problems
}
