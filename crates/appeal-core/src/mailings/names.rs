//! Address headers with display names encoded on word boundaries.
//!
//! lettre encodes a non-ASCII display name as one RFC 2047 string cut wherever the line is
//! full, often inside a word ("Свобо" + "ду"). Decoders that follow RFC 2047 join the pieces,
//! but several mail programs show a space, or a broken character, where the cut fell. Here
//! each encoded-word holds whole words, with the space after a word inside it (whitespace
//! between encoded-words is not part of the name), and lines are folded between them. Only a
//! single word longer than an encoded-word can hold is cut, at a character boundary.

use lettre::message::Mailbox;
use lettre::message::header::{HeaderName, HeaderValue};

/// The most text one encoded-word carries: 45 bytes are 60 base64 characters, which with
/// `=?utf-8?b?` and `?=` make 72, inside RFC 2047's 75.
const WORD_BYTES: usize = 45;
/// Fold before a line would pass this (RFC 5322's 78, less room for the CRLF).
const LINE: usize = 76;

/// The header `name` (From, To, Reply-To) for `mb`, ready for lettre to write as it is.
pub(crate) fn header(name: &'static str, mb: &Mailbox) -> HeaderValue {
    HeaderValue::dangerous_new_pre_encoded(
        HeaderName::new_from_ascii_str(name),
        mb.to_string(),
        encode(name.len() + 2, mb),
    )
}

/// `mb` as a header value that starts `start` characters into its line.
fn encode(start: usize, mb: &Mailbox) -> String {
    let address = format!("<{}>", mb.email);
    let Some(name) = mb.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
        return mb.email.to_string();
    };
    let mut out = String::new();
    let mut line = start;
    let mut put = |piece: &str, out: &mut String| {
        if line > start && line + 1 + piece.len() > LINE {
            out.push_str("\r\n ");
            line = 1;
        } else if !out.is_empty() {
            out.push(' ');
            line += 1;
        }
        out.push_str(piece);
        line += piece.len();
    };
    if name.is_ascii() && !name.chars().any(|c| c.is_ascii_control()) {
        let quoted = format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""));
        put(&quoted, &mut out);
    } else {
        for chunk in chunks(name) {
            put(&encoded_word(&chunk), &mut out);
        }
    }
    put(&address, &mut out);
    out
}

/// The name in pieces of at most [`WORD_BYTES`], each ending at a word's end (with the space
/// that follows it), unless a word alone is longer.
fn chunks(name: &str) -> Vec<String> {
    let words: Vec<&str> = name.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, w) in words.iter().enumerate() {
        let word = if i + 1 < words.len() {
            format!("{w} ")
        } else {
            (*w).to_string()
        };
        if current.len() + word.len() <= WORD_BYTES {
            current.push_str(&word);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if word.len() <= WORD_BYTES {
            current = word;
            continue;
        }
        // One word longer than an encoded-word: cut it at character boundaries.
        for c in word.chars() {
            if current.len() + c.len_utf8() > WORD_BYTES {
                out.push(std::mem::take(&mut current));
            }
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn encoded_word(text: &str) -> String {
    use base64::Engine;
    format!(
        "=?utf-8?b?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded_words(value: &str) -> Vec<String> {
        use base64::Engine;
        value
            .split_whitespace()
            .filter_map(|w| w.strip_prefix("=?utf-8?b?")?.strip_suffix("?="))
            .map(|b| {
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap())
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn a_long_cyrillic_name_is_cut_between_words_only() {
        let mb: Mailbox =
            "Комитет «Свободу Николаю Петровичу» за права человека <letters@free-n.example.org>"
                .parse()
                .unwrap();
        let value = encode(6, &mb);
        let words = decoded_words(&value);
        assert!(words.len() > 1, "{value}");
        for w in &words[..words.len() - 1] {
            assert!(w.ends_with(' '), "cut inside a word: {words:?}");
        }
        assert_eq!(
            words.concat(),
            "Комитет «Свободу Николаю Петровичу» за права человека"
        );
        for line in value.split("\r\n") {
            assert!(6 + line.len() <= 78, "line too long: {line}");
        }
        assert!(value.ends_with("<letters@free-n.example.org>"));
    }

    #[test]
    fn ascii_names_are_quoted_and_bare_addresses_stay_bare() {
        let mb: Mailbox = "\"Free N. \\\"Committee\\\"\" <a@example.org>"
            .parse()
            .unwrap();
        assert_eq!(
            encode(6, &mb),
            "\"Free N. \\\"Committee\\\"\" <a@example.org>"
        );
        let mb: Mailbox = "a@example.org".parse().unwrap();
        assert_eq!(encode(4, &mb), "a@example.org");
    }

    #[test]
    fn a_word_too_long_for_one_encoded_word_is_cut_at_a_character() {
        let long = "Я".repeat(40);
        let mb = Mailbox::new(Some(long.clone()), "a@example.org".parse().unwrap());
        let words = decoded_words(&encode(6, &mb));
        assert_eq!(words.concat(), long);
        assert!(words.iter().all(|w| w.len() <= WORD_BYTES));
    }
}
