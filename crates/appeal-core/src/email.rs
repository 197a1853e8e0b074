//! Addresses: the form they are compared in, whether one is valid, and `mailto:` links.

use email_address::{EmailAddress, Options};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The form an address is compared in: trimmed and lower-cased.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// An address a mail server would take: a domain with a top-level part, no display name, no
/// IP literal.
pub fn is_valid_email(email: &str) -> bool {
    let opts = Options::default()
        .with_required_tld()
        .without_display_text()
        .without_domain_literal();
    EmailAddress::parse_with_options(email, opts).is_ok()
}

/// RFC 6068: everything but unreserved characters percent-encoded.
const MAILTO: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The address keeps its `@`.
const MAILTO_TO: &AsciiSet = &MAILTO.remove(b'@');

/// A `mailto:` link that opens the letter in the volunteer's own mail program; line breaks
/// in the body become CRLF (%0D%0A), as RFC 6068 asks.
pub fn mailto(to: &str, subject: &str, body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "mailto:{}?subject={}&body={}",
        utf8_percent_encode(to.trim(), MAILTO_TO),
        utf8_percent_encode(subject, MAILTO),
        utf8_percent_encode(&body, MAILTO)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_links_encode_all_but_unreserved_characters() {
        assert_eq!(
            mailto(
                " anna@example.org ",
                "Free N. — now",
                "Dear A,\nthanks & bye"
            ),
            "mailto:anna@example.org?subject=Free%20N.%20%E2%80%94%20now&body=Dear%20A%2C%0D%0Athanks%20%26%20bye"
        );
    }
}
