//! The letter's Markdown as HTML: merged values escaped for Markdown, links kept only when
//! safe, and the HTML document around the body.

/// A merged value as Markdown text: every ASCII punctuation character that Markdown could
/// read as markup is backslash-escaped (CommonMark 2.4), and a line break stays one.
pub(super) fn escape_markdown(s: &str) -> String {
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

pub(super) fn markdown_to_html(markdown: &str) -> String {
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
pub(super) fn push_document(
    out: &mut String,
    language: &str,
    subject: &str,
    body: &str,
    footer: &str,
) {
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
