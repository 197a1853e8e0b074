//! Rendering one message: the recipient's language variant, merge fields filled in, the body
//! as plain text (the Markdown itself) and as HTML made from it, every merged value escaped.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use ts_rs::TS;

use super::TemplateDraft;
use super::markdown::{escape_markdown, html_document, markdown_to_html};
pub use super::values::Context;
use super::values::context_value;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Rendered {
    pub language: String,
    pub subject: String,
    pub text: String,
    /// A whole HTML document; merged values are escaped.
    pub html: String,
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
    use crate::signatories::SignatoryFields;
    use crate::templates::TemplateVariant;
    use crate::templates::markdown::is_document;
    use std::sync::Arc;

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
