//! A letter's text part: its Markdown body read as a person would type it in plain text.
//! Emphasis loses its markers, a link reads "text <address>", list items keep a "- " or
//! their number, quotes keep "> ", and the author's line breaks stay. Raw HTML in the body
//! is shown as text, as in the HTML part.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The plain-text rendering of a Markdown body (already merged, values escaped).
pub(crate) fn markdown_to_text(markdown: &str) -> String {
    let mut w = Writer::default();
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    for event in parser {
        w.event(event);
    }
    let mut out = w.out.trim_end().to_string();
    if markdown.ends_with('\n') && !out.is_empty() {
        out.push('\n');
    }
    out
}

#[derive(Default)]
struct Writer {
    out: String,
    /// What each open container puts at the start of its lines ("> ", list indents).
    prefixes: Vec<String>,
    /// Open lists: the next number for ordered ones.
    lists: Vec<Option<u64>>,
    /// Open links: where their text starts in `out`, and their address.
    links: Vec<(usize, String)>,
    /// Blank lines owed before the next block.
    pending_blank: bool,
    at_line_start: bool,
    table_cell: usize,
}

impl Writer {
    fn event(&mut self, e: Event<'_>) {
        match e {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                self.text(&t)
            }
            Event::SoftBreak | Event::HardBreak => self.newline(),
            Event::Rule => {
                self.block();
                self.text("----------");
                self.end_block();
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(r) => self.text(&format!("[{r}]")),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::Table(_) => self.block(),
            Tag::CodeBlock(kind) => {
                self.block();
                if let CodeBlockKind::Indented = kind {
                    self.prefixes.push("    ".into());
                } else {
                    self.prefixes.push(String::new());
                }
            }
            Tag::BlockQuote(_) => {
                self.block();
                self.prefixes.push("> ".into());
            }
            Tag::List(first) => {
                // A list inside an item starts on the item's next line.
                if !self.lists.is_empty() && !self.at_line_start {
                    self.newline();
                } else {
                    self.block();
                }
                self.lists.push(first);
            }
            Tag::Item => {
                if !self.at_line_start {
                    self.newline();
                }
                self.pending_blank = false;
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "- ".to_string(),
                };
                self.text(&marker);
                self.prefixes.push(" ".repeat(marker.chars().count()));
            }
            Tag::Link { dest_url, .. } => self.links.push((self.out.len(), dest_url.to_string())),
            Tag::TableRow | Tag::TableHead => self.table_cell = 0,
            Tag::TableCell => {
                if self.table_cell > 0 {
                    self.text(" | ");
                }
                self.table_cell += 1;
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Table => self.end_block(),
            TagEnd::CodeBlock | TagEnd::BlockQuote(_) => {
                self.prefixes.pop();
                self.end_block();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.end_block();
                }
            }
            TagEnd::Item => {
                self.prefixes.pop();
            }
            TagEnd::Link => {
                if let Some((start, url)) = self.links.pop() {
                    let shown = self.out[start..].trim().to_string();
                    let bare = url.strip_prefix("mailto:").unwrap_or(&url);
                    if super::markdown::safe_url(&url)
                        && !url.is_empty()
                        && shown != bare
                        && shown != url
                    {
                        self.text(&format!(" <{bare}>"));
                    }
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => self.newline(),
            _ => {}
        }
    }

    /// Before a block: a blank line after whatever came before it.
    fn block(&mut self) {
        if self.pending_blank && !self.out.is_empty() {
            if !self.at_line_start {
                self.out.push('\n');
            }
            self.push_prefix_trimmed();
            self.out.push('\n');
            self.at_line_start = true;
        } else if !self.at_line_start && !self.out.is_empty() {
            self.newline();
        }
        self.pending_blank = false;
    }

    fn end_block(&mut self) {
        if !self.at_line_start {
            self.out.push('\n');
            self.at_line_start = true;
        }
        self.pending_blank = true;
    }

    fn newline(&mut self) {
        self.out.push('\n');
        self.at_line_start = true;
    }

    fn push_prefix_trimmed(&mut self) {
        let p: String = self.prefixes.concat();
        self.out.push_str(p.trim_end());
    }

    fn text(&mut self, t: &str) {
        for (i, line) in t.split('\n').enumerate() {
            if i > 0 {
                self.newline();
            }
            if line.is_empty() {
                continue;
            }
            if self.at_line_start {
                let p: String = self.prefixes.concat();
                self.out.push_str(&p);
                self.at_line_start = false;
            }
            self.out.push_str(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::markdown_to_text;

    #[test]
    fn emphasis_loses_its_markers_and_links_show_their_address() {
        assert_eq!(
            markdown_to_text(
                "**Dear** friends,\n\nRead [our appeal](https://free-n.example.org/appeal) _today_.\nThank you.\n"
            ),
            "Dear friends,\n\nRead our appeal <https://free-n.example.org/appeal> today.\nThank you.\n"
        );
    }

    #[test]
    fn a_link_that_is_its_own_text_is_shown_once_and_unsafe_addresses_not_at_all() {
        assert_eq!(
            markdown_to_text(
                "<https://free-n.example.org> or [write](mailto:a@example.org) or [this](javascript:alert(1))"
            ),
            "https://free-n.example.org or write <a@example.org> or this"
        );
        assert_eq!(
            markdown_to_text("[a@example.org](mailto:a@example.org)"),
            "a@example.org"
        );
    }

    #[test]
    fn lists_headings_and_quotes_keep_their_shape() {
        assert_eq!(
            markdown_to_text(
                "# Free N.\n\nWe ask you to:\n\n- release him\n- let his family visit\n\n1. first\n2. second\n\n> He wrote to us.\n> Twice.\n"
            ),
            "Free N.\n\nWe ask you to:\n\n- release him\n- let his family visit\n\n1. first\n2. second\n\n> He wrote to us.\n> Twice.\n"
        );
    }

    #[test]
    fn html_in_the_body_is_text_and_escaped_values_lose_their_backslashes() {
        assert_eq!(
            markdown_to_text("<b>bold</b> and Anna \\*Star\\* \\[1\\]"),
            "<b>bold</b> and Anna *Star* [1]"
        );
    }
}
