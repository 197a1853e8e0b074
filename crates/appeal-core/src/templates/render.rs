//! Rendering one message: the recipient's language variant, merge fields filled in, the body
//! as plain text (the Markdown itself) and as HTML made from it, every merged value escaped.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;
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
    pub signatory: Option<Arc<SignatoryFields>>,
    pub target: Option<&'a TargetFields>,
    pub campaign_name: &'a str,
    pub sender_name: &'a str,
    pub sender_address: &'a str,
}

impl Context<'_> {
    /// The language a message to this recipient is written in: the target's when writing to
    /// a target, else the signatory's.
    pub fn language(&self) -> Option<&str> {
        match (self.target, &self.signatory) {
            (Some(t), _) => t.language.as_deref(),
            (None, Some(s)) => s.language.as_deref(),
            _ => None,
        }
    }
}

/// The shared settings: missing values are errors when printed (but may be tested with `if`
/// or given a `default`), templates whose name ends in `.html` escape what they merge for
/// HTML, and those ending in `.md` (a letter's body) escape it for Markdown, so a merged
/// value is always text: a name with `*` in it stays a name, not emphasis or a link.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else if name.ends_with(".md") {
            AutoEscape::Custom("markdown".into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == "markdown")
            && !value.is_safe()
        {
            out.write_str(&escape_markdown(&value.to_string()))
                .map_err(|_| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write")
                })
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax.keep_trailing_newline(true);
    env.set_syntax(syntax.build().expect("the default delimiters are valid"));
    env
}

/// A person as a template sees them. Fields are converted when a template asks for them, so
/// a letter that uses three of them pays for three: building the whole map for every letter
/// was most of a merge's rendering time. Empty fields are undefined, as if absent.
#[derive(Debug)]
struct PersonValue(Arc<SignatoryFields>);

fn text(v: &Option<String>) -> Option<Value> {
    v.as_deref().filter(|v| !v.is_empty()).map(Value::from)
}

/// What a template can name on `signatory` (and the editor offers).
pub(crate) const PERSON_KEYS: [&str; 14] = [
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "street",
    "postcode",
    "town",
    "country",
    "language",
    "consent",
    "subscription",
    "tags",
    "custom",
];

impl Object for PersonValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let s = &self.0;
        match key {
            "first_name" => text(&s.first_name),
            "last_name" => text(&s.last_name),
            "full_name" => Some(s.full_name())
                .filter(|n| !n.is_empty())
                .map(Value::from),
            "email" => text(&s.email),
            "phone" => text(&s.phone),
            "street" => text(&s.street),
            "postcode" => text(&s.postcode),
            "town" => text(&s.town),
            "country" => text(&s.country),
            "language" => text(&s.language),
            "consent" => s.consent.map(Value::from),
            "subscription" => Some(Value::from(s.subscription.as_str())),
            "tags" => Some(Value::from(s.tags.clone())),
            "custom" => Some(Value::from_object(CustomValue(self.0.clone()))),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let present: Vec<Value> = PERSON_KEYS
            .iter()
            .filter(|k| self.get_value_by_str(k).is_some())
            .map(|k| Value::from(*k))
            .collect();
        Enumerator::Values(present)
    }
}

/// A person's custom fields (columns of an import that matched no field).
#[derive(Debug)]
struct CustomValue(Arc<SignatoryFields>);

impl Object for CustomValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0
            .custom
            .get(key.as_str()?)
            .map(|v| Value::from(v.as_str()))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .custom
                .keys()
                .map(|k| Value::from(k.as_str()))
                .collect(),
        )
    }
}

#[derive(Debug)]
struct TargetValue(TargetFields);

impl Object for TargetValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let t = &self.0;
        match key {
            "name" => Some(Value::from(t.name.as_str())),
            "title" => text(&t.title),
            "organisation" => text(&t.organisation),
            "email" => text(&t.email),
            "address" => text(&t.address),
            "country" => text(&t.country),
            "language" => text(&t.language),
            "form_of_address" => text(&t.form_of_address),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let present: Vec<Value> = crate::targets::FIELDS
            .iter()
            .filter(|k| self.get_value_by_str(k).is_some())
            .map(|k| Value::from(*k))
            .collect();
        Enumerator::Values(present)
    }
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

/// What a template can name: `signatory`, `target`, `campaign`, `sender` and `today`.
#[derive(Debug)]
struct Root {
    signatory: Option<Value>,
    target: Option<Value>,
    campaign: Value,
    sender: Value,
    today: Value,
}

impl Object for Root {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        match key {
            "signatory" => self.signatory.clone(),
            "target" => self.target.clone(),
            "campaign" => Some(self.campaign.clone()),
            "sender" => Some(self.sender.clone()),
            "today" => Some(self.today.clone()),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys = Vec::with_capacity(5);
        if self.signatory.is_some() {
            keys.push(Value::from("signatory"));
        }
        if self.target.is_some() {
            keys.push(Value::from("target"));
        }
        keys.extend(["campaign", "sender", "today"].map(Value::from));
        Enumerator::Values(keys)
    }
}

fn context_value(ctx: &Context, language: &str, today: time::Date) -> Value {
    Value::from_object(Root {
        signatory: ctx
            .signatory
            .as_ref()
            .map(|s| Value::from_object(PersonValue(s.clone()))),
        target: ctx
            .target
            .map(|t| Value::from_object(TargetValue(t.clone()))),
        campaign: minijinja::context! { name => ctx.campaign_name },
        sender: minijinja::context! { name => ctx.sender_name, address => ctx.sender_address },
        today: Value::from(format_date(today, language)),
    })
}

/// A merged value as Markdown text: every ASCII punctuation character that Markdown could
/// read as markup is backslash-escaped (CommonMark 2.4), and a line break stays one.
fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown to HTML, with any HTML the Markdown itself contains shown as text.
pub(super) fn safe_url(url: &str) -> bool {
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

/// The HTML a letter goes out as: its body (HTML made from the Markdown) in a whole document.
/// The outbox stores only the body, about a third of a letter's bytes less; the document
/// around it is made from the letter's own language and subject whenever it is read, so it is
/// as frozen as they are.
pub(crate) fn html_document(language: &str, subject: &str, body: &str) -> String {
    let mut doc = String::with_capacity(body.len() + 256);
    push_document(&mut doc, language, subject, body, "");
    doc
}

/// The document around `body` then `footer`, appended to `out`.
fn push_document(out: &mut String, language: &str, subject: &str, body: &str, footer: &str) {
    use std::fmt::Write;
    let subject = minijinja::HtmlEscape(subject);
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{language}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{subject}</title>\n</head>\n<body style=\"font-family: Georgia, serif; line-height: 1.5; max-width: 40em;\">\n{body}{footer}</body>\n</html>\n"
    )
    .expect("writing to a String does not fail");
}

/// A stored letter's HTML as a whole document, with `footer` (HTML) at the end of its body,
/// appended to `out` (a writer of many letters reuses one buffer). The stored HTML is a body,
/// or for letters merged before the outbox kept only bodies, a whole document already.
pub(crate) fn push_stored_html(
    out: &mut String,
    language: &str,
    subject: &str,
    stored: &str,
    footer: &str,
) {
    if !is_document(stored) {
        return push_document(out, language, subject, stored, footer);
    }
    match stored.rfind("</body>") {
        Some(end) => {
            out.push_str(&stored[..end]);
            out.push_str(footer);
            out.push_str(&stored[end..]);
        }
        None => out.push_str(stored),
    }
}

/// Whether stored HTML is a whole document (merged before the outbox kept only bodies)
/// rather than a body. A body cannot start so: HTML in the Markdown is shown as text.
pub(crate) fn is_document(html: &str) -> bool {
    html.starts_with("<!DOCTYPE html>")
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
            env.add_template_owned(format!("{}/body.md", v.language), v.body.clone())
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
        let mut r = self.render_letter(ctx, today)?;
        r.html = html_document(&r.language, &r.subject, &r.html);
        Ok(r)
    }

    /// As [`Compiled::render`], with only the body of the HTML, as the outbox stores it.
    pub(crate) fn render_letter(
        &self,
        ctx: &Context,
        today: time::Date,
    ) -> Result<Rendered, RenderError> {
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
        let markdown = run("body.md", "body")?;
        Ok(Rendered {
            html: markdown_to_html(&markdown),
            text: super::plain::markdown_to_text(&markdown),
            language: lang.to_string(),
            subject,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::TemplateVariant;

    fn draft(body: &str) -> TemplateDraft {
        TemplateDraft {
            id: None,
            campaign_id: 1,
            name: "t".into(),
            fallback_language: "en".into(),
            variants: vec![TemplateVariant {
                language: "en".into(),
                subject: "Hello".into(),
                body: body.into(),
            }],
            attachments: vec![],
        }
    }

    fn person() -> SignatoryFields {
        SignatoryFields {
            first_name: Some("Mira".into()),
            last_name: Some("Talvik".into()),
            town: Some(String::new()),
            consent: Some(true),
            tags: vec!["paper".into(), "2026".into()],
            custom: [("Branch".to_string(), "North & East".to_string())].into(),
            ..Default::default()
        }
    }

    fn text_of(body: &str, ctx: &Context) -> Result<String, RenderError> {
        let day = time::macros::date!(2026 - 11 - 23);
        render(&draft(body), ctx, day).map(|r| r.text)
    }

    #[test]
    fn templates_see_fields_tags_custom_fields_and_iterate_them() {
        let ctx = Context {
            signatory: Some(Arc::new(person())),
            campaign_name: "Free N.",
            sender_name: "Committee",
            sender_address: "letters@example.org",
            ..Default::default()
        };
        let out = text_of(
            "{{ signatory.full_name }}|{{ signatory.custom.Branch }}|{% for t in signatory.tags %}{{ t }};{% endfor %}|{{ signatory.consent }}|{{ signatory.subscription }}|{{ campaign.name }}/{{ sender.address }}|{{ today }}",
            &ctx,
        )
        .unwrap();
        assert_eq!(
            out,
            "Mira Talvik|North & East|paper;2026;|True|unknown|Free N./letters@example.org|23 November 2026"
        );
        // Empty fields are absent: iteration lists only what is there, and `is defined` agrees.
        let keys = text_of(
            "{% for k in signatory %}{{ k }},{% endfor %}{% for k, v in signatory.custom|items %}{{ k }}={{ v }}{% endfor %}",
            &ctx,
        )
        .unwrap();
        assert_eq!(
            keys,
            "first_name,last_name,full_name,consent,subscription,tags,custom,Branch=North & East"
        );
        assert_eq!(
            text_of(
                "{{ signatory.town is defined }} {{ signatory.town | default('somewhere') }}",
                &ctx
            )
            .unwrap(),
            "False somewhere"
        );
        let err = text_of("{{ signatory.town }}", &ctx).unwrap_err();
        assert!(err.message.contains("undefined"), "{}", err.message);
    }

    #[test]
    fn the_outbox_keeps_the_body_and_the_document_is_made_around_it() {
        let ctx = Context {
            signatory: Some(Arc::new(person())),
            ..Default::default()
        };
        let day = time::macros::date!(2026 - 11 - 23);
        // A letter that itself starts like a document is still only a body.
        let compiled =
            Compiled::new(&draft("<!DOCTYPE html>\n\n**{{ signatory.first_name }}**")).unwrap();
        let letter = compiled.render_letter(&ctx, day).unwrap();
        assert!(!is_document(&letter.html), "{}", letter.html);
        assert!(
            letter.html.starts_with("&lt;!DOCTYPE html&gt;")
                && letter.html.contains("<strong>Mira</strong>"),
            "{}",
            letter.html
        );
        let whole = compiled.render(&ctx, day).unwrap();
        assert!(is_document(&whole.html));
        assert_eq!(
            whole.html,
            html_document(&letter.language, &letter.subject, &letter.html)
        );
    }
}
