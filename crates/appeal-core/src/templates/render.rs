//! Rendering one message: the recipient's language variant, merge fields filled in, the body
//! as plain text (the Markdown itself) and as HTML made from it, every merged value escaped.

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use ts_rs::TS;

use super::TemplateDraft;
use crate::signatories::SignatoryFields;
use crate::targets::TargetFields;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Rendered {
    pub language: String,
    pub subject: String,
    pub text: String,
    /// A whole HTML document; merged values are escaped.
    pub html: String,
}

/// What one message is about.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub signatory: Option<&'a SignatoryFields>,
    pub target: Option<&'a TargetFields>,
    pub campaign_name: &'a str,
    pub sender_name: &'a str,
    pub sender_address: &'a str,
}

impl Context<'_> {
    /// The language a message to this recipient is written in: the target's when writing to
    /// a target, else the signatory's.
    pub fn language(&self) -> Option<&str> {
        match (self.target, self.signatory) {
            (Some(t), _) => t.language.as_deref(),
            (None, Some(s)) => s.language.as_deref(),
            _ => None,
        }
    }
}

/// The shared settings: missing values are errors when printed (but may be tested with `if`
/// or given a `default`), and templates whose name ends in `.html` escape what they merge.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax.keep_trailing_newline(true);
    env.set_syntax(syntax.build().expect("the default delimiters are valid"));
    env
}

fn put(map: &mut Map<String, Json>, key: &str, value: &Option<String>) {
    if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
        map.insert(key.into(), Json::String(v.into()));
    }
}

fn signatory_value(s: &SignatoryFields) -> Json {
    let mut m = Map::new();
    put(&mut m, "first_name", &s.first_name);
    put(&mut m, "last_name", &s.last_name);
    let full = format!(
        "{} {}",
        s.first_name.as_deref().unwrap_or(""),
        s.last_name.as_deref().unwrap_or("")
    );
    put(&mut m, "full_name", &Some(full.trim().to_string()));
    for (k, v) in [
        ("email", &s.email),
        ("phone", &s.phone),
        ("street", &s.street),
        ("postcode", &s.postcode),
        ("town", &s.town),
        ("country", &s.country),
        ("language", &s.language),
    ] {
        put(&mut m, k, v);
    }
    if let Some(c) = s.consent {
        m.insert("consent".into(), Json::Bool(c));
    }
    m.insert(
        "subscription".into(),
        Json::String(s.subscription.as_str().into()),
    );
    m.insert("tags".into(), Json::from(s.tags.clone()));
    m.insert(
        "custom".into(),
        serde_json::to_value(&s.custom).expect("strings serialise"),
    );
    Json::Object(m)
}

fn target_value(t: &TargetFields) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), Json::String(t.name.clone()));
    for (k, v) in [
        ("title", &t.title),
        ("organisation", &t.organisation),
        ("email", &t.email),
        ("address", &t.address),
        ("country", &t.country),
        ("language", &t.language),
        ("form_of_address", &t.form_of_address),
    ] {
        put(&mut m, k, v);
    }
    Json::Object(m)
}

const MONTHS: [(&str, [&str; 12]); 5] = [
    (
        "en",
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
    ),
    (
        "ru",
        [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ],
    ),
    (
        "de",
        [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ],
    ),
    (
        "fr",
        [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
    ),
    (
        "es",
        [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
    ),
];

/// A date as a letter in that language writes it; other languages get ISO 8601.
pub fn format_date(date: time::Date, language: &str) -> String {
    let (d, m, y) = (date.day(), date.month() as usize - 1, date.year());
    let base = language.split('-').next().unwrap_or("");
    match MONTHS.iter().find(|(l, _)| *l == base) {
        Some(("en", names)) => format!("{d} {} {y}", names[m]),
        Some(("ru", names)) => format!("{d} {} {y} г.", names[m]),
        Some(("de", names)) => format!("{d}. {} {y}", names[m]),
        Some(("fr", names)) => format!("{d} {} {y}", names[m]),
        Some(("es", names)) => format!("{d} de {} de {y}", names[m]),
        _ => date.to_string(),
    }
}

fn context_value(ctx: &Context, language: &str, today: time::Date) -> Value {
    let mut m = Map::new();
    if let Some(s) = ctx.signatory {
        m.insert("signatory".into(), signatory_value(s));
    }
    if let Some(t) = ctx.target {
        m.insert("target".into(), target_value(t));
    }
    m.insert(
        "campaign".into(),
        serde_json::json!({ "name": ctx.campaign_name }),
    );
    m.insert(
        "sender".into(),
        serde_json::json!({ "name": ctx.sender_name, "address": ctx.sender_address }),
    );
    m.insert("today".into(), Json::String(format_date(today, language)));
    Value::from(minijinja::value::Serde(m))
}

/// Markdown to HTML, with any HTML the Markdown itself contains shown as text.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
        || !lower.contains(':') // relative links and fragments
}

fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, html};
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        // A merged value can form a Markdown link; only web and mail links may come of it.
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: "#".into(),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: "#".into(),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, parser);
    out
}

fn html_document(language: &str, subject_escaped: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{language}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{subject_escaped}</title>\n</head>\n<body style=\"font-family: Georgia, serif; line-height: 1.5; max-width: 40em;\">\n{body}</body>\n</html>\n"
    )
}

/// Why one message could not be rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderError {
    pub language: String,
    pub message: String,
}

/// A template compiled once for many messages: every language's subject and body.
pub struct Compiled {
    env: Environment<'static>,
    draft: TemplateDraft,
}

impl Compiled {
    pub fn new(draft: &TemplateDraft) -> Result<Compiled, RenderError> {
        let mut env = environment();
        for v in &draft.variants {
            let fail = |e: minijinja::Error| RenderError {
                language: v.language.clone(),
                message: describe(&e),
            };
            env.add_template_owned(format!("{}/subject.txt", v.language), v.subject.clone())
                .map_err(fail)?;
            env.add_template_owned(format!("{}/body.txt", v.language), v.body.clone())
                .map_err(fail)?;
            env.add_template_owned(format!("{}/body.html", v.language), v.body.clone())
                .map_err(fail)?;
        }
        for (i, a) in draft.attachments.iter().enumerate() {
            env.add_template_owned(format!("attachment/{i}"), a.clone())
                .map_err(|e| RenderError {
                    language: "all".into(),
                    message: format!("attachment {}: {}", i + 1, describe(&e)),
                })?;
        }
        Ok(Compiled {
            env,
            draft: draft.clone(),
        })
    }

    /// Renders the variant for the recipient's language (or the fallback).
    pub fn render(&self, ctx: &Context, today: time::Date) -> Result<Rendered, RenderError> {
        let variant = self
            .draft
            .variant_for(ctx.language())
            .ok_or_else(|| RenderError {
                language: self.draft.fallback_language.clone(),
                message: "the template has no variant for the fallback language".into(),
            })?;
        let lang = variant.language.as_str();
        let value = context_value(ctx, lang, today);
        let run = |part: &str, what: &str| -> Result<String, RenderError> {
            let t = self
                .env
                .get_template(&format!("{lang}/{part}"))
                .expect("compiled in new()");
            t.render(&value).map_err(|e| RenderError {
                language: lang.to_string(),
                message: format!("{what}: {}", describe(&e)),
            })
        };
        let subject = run("subject.txt", "subject")?.trim().to_string();
        let text = run("body.txt", "body")?;
        let escaped_body = run("body.html", "body")?;
        let subject_html = minijinja::HtmlEscape(&subject).to_string();
        Ok(Rendered {
            html: html_document(lang, &subject_html, &markdown_to_html(&escaped_body)),
            language: lang.to_string(),
            subject,
            text,
        })
    }
}

impl Compiled {
    /// The attachment paths for this recipient, merged.
    pub fn attachments(
        &self,
        ctx: &Context,
        today: time::Date,
    ) -> Result<Vec<String>, RenderError> {
        let lang = self
            .draft
            .variant_for(ctx.language())
            .map_or(self.draft.fallback_language.as_str(), |v| &v.language);
        let value = context_value(ctx, lang, today);
        (0..self.draft.attachments.len())
            .map(|i| {
                let t = self
                    .env
                    .get_template(&format!("attachment/{i}"))
                    .expect("compiled in new()");
                t.render(&value)
                    .map(|p| p.trim().to_string())
                    .map_err(|e| RenderError {
                        language: "all".into(),
                        message: format!("attachment {}: {}", i + 1, describe(&e)),
                    })
            })
            .collect()
    }
}

fn describe(e: &minijinja::Error) -> String {
    e.detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string())
}

/// Renders one message; for many, compile once with [`Compiled`].
pub fn render(
    draft: &TemplateDraft,
    ctx: &Context,
    today: time::Date,
) -> Result<Rendered, RenderError> {
    Compiled::new(draft)?.render(ctx, today)
}
