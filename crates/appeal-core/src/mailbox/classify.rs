//! What one mail in the group's mailbox is: an unsubscribe request, a hard or soft bounce
//! (a delivery status notification, RFC 3464, or the common older formats), or something
//! for people to read, which is left alone.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// What a mail asks of us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MailKind {
    /// A supporter asks to get no more letters.
    Unsubscribe,
    /// A letter could not be delivered, for good (5.x.x): the address is suppressed.
    HardBounce,
    /// A letter is delayed or was refused for now (4.x.x): counted, not suppressed.
    SoftBounce,
    /// For people to read (a reply, an automatic reply, anything else): left untouched.
    Ignored,
}

/// One mail as read.
#[derive(Debug, Clone)]
pub(crate) struct Classified {
    pub kind: MailKind,
    /// The address the request or failure concerns, when the mail names one: the sender of
    /// an unsubscribe request, the failed recipient of a bounce.
    pub address: Option<String>,
    /// The enhanced status code of a bounce (`5.1.1`).
    pub status: Option<String>,
    /// Why, in words.
    pub reason: String,
    /// Message-IDs of ours the mail refers to (replied to, or quoted in a bounce).
    pub our_ids: Vec<String>,
    pub from: String,
    pub subject: String,
}

/// Words that ask to be unsubscribed, in the languages letters go out in.
const UNSUBSCRIBE_WORDS: &[&str] = &[
    "unsubscribe",
    "отписаться",
    "отпишите",
    "отписка",
    "abmelden",
    "désabonner",
    "desabonner",
    "désinscrire",
    "darse de baja",
    "dar de baja",
];

pub(crate) fn classify(raw: &[u8]) -> Classified {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return ignored(
            Vec::new(),
            String::new(),
            String::new(),
            "not a mail that can be read",
        );
    };
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or("")
        .to_string();
    let subject = msg.subject().unwrap_or("").to_string();
    let our_ids = our_message_ids(&msg, raw);

    if let Some(c) = delivery_status(&msg) {
        return Classified {
            our_ids,
            from,
            subject,
            ..c
        };
    }
    if looks_like_bounce(&from, &subject) {
        let text = all_text(&msg);
        let (kind, status) = bounce_severity(&text);
        return Classified {
            kind,
            address: None,
            status,
            reason: match kind {
                MailKind::HardBounce => "a bounce: the letter could not be delivered".into(),
                _ => "a bounce: delivery was delayed or refused for now".into(),
            },
            our_ids,
            from,
            subject,
        };
    }
    if is_automatic(&msg, &subject) {
        return ignored(our_ids, from, subject, "an automatic reply");
    }
    if asks_to_unsubscribe(&msg, &subject) {
        return Classified {
            kind: MailKind::Unsubscribe,
            address: (!from.is_empty()).then(|| from.clone()),
            status: None,
            reason: "asks to be unsubscribed".into(),
            our_ids,
            from,
            subject,
        };
    }
    ignored(
        our_ids,
        from,
        subject,
        "neither an unsubscribe request nor a bounce",
    )
}

fn ignored(our_ids: Vec<String>, from: String, subject: String, reason: &str) -> Classified {
    Classified {
        kind: MailKind::Ignored,
        address: None,
        status: None,
        reason: reason.into(),
        our_ids,
        from,
        subject,
    }
}

/// Message-IDs in our own form (`<appeal.…@…>`), from In-Reply-To and References and from
/// anywhere in the mail's text (a bounce quotes the letter's headers, often encoded).
fn our_message_ids(msg: &Message<'_>, raw: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |id: String| {
        if !found.contains(&id) {
            found.push(id);
        }
    };
    for h in [msg.in_reply_to(), msg.references()] {
        for id in h.as_text_list().unwrap_or_default() {
            if id.starts_with("appeal.") {
                add(format!("<{id}>"));
            }
        }
    }
    let own = msg.message_id().map(|m| format!("<{m}>"));
    let mut texts = vec![String::from_utf8_lossy(raw).into_owned()];
    texts.push(all_text(msg));
    for t in texts {
        let mut rest = t.as_str();
        while let Some(i) = rest.find("<appeal.") {
            rest = &rest[i..];
            let end = rest
                .find(|c: char| c == '>' || c.is_whitespace())
                .unwrap_or(rest.len());
            if rest[..end].contains('@') && rest[end..].starts_with('>') {
                let id = rest[..=end].to_string();
                if Some(&id) != own.as_ref() {
                    add(id);
                }
            }
            rest = &rest[end..];
        }
    }
    found
}

/// Every text part decoded, and every nested message's, joined.
fn all_text(msg: &Message<'_>) -> String {
    let mut out = String::new();
    for part in &msg.parts {
        match &part.body {
            PartType::Text(t) | PartType::Html(t) => {
                out.push_str(t);
                out.push('\n');
            }
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                if let Ok(t) = std::str::from_utf8(b) {
                    out.push_str(t);
                    out.push('\n');
                }
            }
            PartType::Message(m) => {
                out.push_str(&String::from_utf8_lossy(m.raw_message()));
                out.push('\n');
            }
            PartType::Multipart(_) => {}
        }
    }
    out
}

/// An RFC 3464 report: the per-recipient fields of its message/delivery-status part.
fn delivery_status(msg: &Message<'_>) -> Option<Classified> {
    let part = msg.parts.iter().find(|p| {
        p.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("delivery-status"))
        })
    })?;
    let text = match &part.body {
        PartType::Text(t) => t.to_string(),
        PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b).into_owned(),
        PartType::Message(m) => String::from_utf8_lossy(m.raw_message()).into_owned(),
        _ => return None,
    };
    // Blocks separated by blank lines; the first is per message, the others per recipient.
    let mut worst: Option<Classified> = None;
    // Fields may be folded onto following lines that start with white space.
    let text = text
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", " ");
    for block in text.split("\n\n") {
        let field = |name: &str| {
            block.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        let Some(action) = field("Action") else {
            continue;
        };
        let action = action.to_ascii_lowercase();
        let status = field("Status").map(|s| s.split_whitespace().next().unwrap_or("").to_string());
        let recipient = field("Final-Recipient")
            .or_else(|| field("Original-Recipient"))
            .map(|r| {
                r.split_once(';')
                    .map_or(r.as_str(), |(_, a)| a)
                    .trim()
                    .trim_matches(['<', '>'])
                    .to_string()
            });
        let diagnostic = field("Diagnostic-Code")
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let kind = match (action.as_str(), status.as_deref()) {
            ("failed", Some(s)) if s.starts_with('4') => MailKind::SoftBounce,
            ("failed", _) => MailKind::HardBounce,
            ("delayed", _) => MailKind::SoftBounce,
            _ => MailKind::Ignored,
        };
        let reason = match kind {
            MailKind::HardBounce => format!("delivery failed ({diagnostic})"),
            MailKind::SoftBounce => format!("delivery {action} ({diagnostic})"),
            _ => format!("a delivery report: {action}"),
        };
        let c = Classified {
            kind,
            address: recipient,
            status,
            reason: reason.replace(" ()", ""),
            our_ids: Vec::new(),
            from: String::new(),
            subject: String::new(),
        };
        let rank = |k: MailKind| match k {
            MailKind::HardBounce => 3,
            MailKind::SoftBounce => 2,
            _ => 1,
        };
        if worst.as_ref().is_none_or(|w| rank(c.kind) > rank(w.kind)) {
            worst = Some(c);
        }
    }
    worst.or_else(|| {
        Some(ignored(
            Vec::new(),
            String::new(),
            String::new(),
            "a delivery report without a recipient's status",
        ))
    })
}

fn looks_like_bounce(from: &str, subject: &str) -> bool {
    let local = from.split('@').next().unwrap_or("").to_ascii_lowercase();
    let subject = subject.to_lowercase();
    local == "mailer-daemon"
        || local == "postmaster"
        || [
            "undeliver",
            "mail delivery failed",
            "delivery status notification",
            "returned mail",
            "delivery failure",
            "failure notice",
            "не доставлено",
            "недоставленное",
        ]
        .iter()
        .any(|w| subject.contains(w))
}

/// Hard or soft, from the first enhanced status code (`5.1.1`) or reply code (`550`) in the
/// bounce's text; "permanent" without a code is hard, anything else soft.
fn bounce_severity(text: &str) -> (MailKind, Option<String>) {
    let bytes = text.as_bytes();
    for (i, w) in bytes.windows(5).enumerate() {
        let before_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if before_ok
            && (w[0] == b'4' || w[0] == b'5')
            && w[1] == b'.'
            && w[2].is_ascii_digit()
            && w[3] == b'.'
            && w[4].is_ascii_digit()
        {
            let code: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let kind = if w[0] == b'5' {
                MailKind::HardBounce
            } else {
                MailKind::SoftBounce
            };
            return (kind, Some(code));
        }
    }
    let lower = text.to_lowercase();
    for (i, w) in bytes.windows(4).enumerate() {
        let before_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if before_ok
            && w[0] == b'5'
            && w[1].is_ascii_digit()
            && w[2].is_ascii_digit()
            && (w[3] == b' ' || w[3] == b'-')
        {
            return (MailKind::HardBounce, None);
        }
    }
    if lower.contains("permanent") {
        (MailKind::HardBounce, None)
    } else {
        (MailKind::SoftBounce, None)
    }
}

/// Auto-Submitted (RFC 3834) other than "no", the common autoresponder headers, or an
/// out-of-office subject.
fn is_automatic(msg: &Message<'_>, subject: &str) -> bool {
    let header = |name: &str| msg.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if header("Auto-Submitted").is_some_and(|v| v != "no") {
        return true;
    }
    if header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some()
        || header("X-Auto-Response-Suppress").is_some()
    {
        return true;
    }
    if header("Precedence")
        .is_some_and(|v| ["auto_reply", "bulk", "junk", "list"].contains(&v.as_str()))
    {
        return true;
    }
    let s = subject.to_lowercase();
    [
        "automatic reply",
        "auto:",
        "out of office",
        "autoreply",
        "автоответ",
        "abwesenheit",
    ]
    .iter()
    .any(|w| s.starts_with(w) || s.contains(&format!(" {w}")))
}

/// The subject (without Re:/Fwd:) is an unsubscribe word, or the writer's own words (the
/// text before any quotation) are short and contain one. A long reply that quotes our
/// footer's "reply with unsubscribe" is not a request.
fn asks_to_unsubscribe(msg: &Message<'_>, subject: &str) -> bool {
    let has_word = |t: &str| {
        let t = t.to_lowercase();
        UNSUBSCRIBE_WORDS.iter().any(|w| t.contains(w))
    };
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        match ["re:", "fwd:", "fw:", "aw:", "wg:", "tr:", "ответ:"]
            .iter()
            .find(|p| lower.starts_with(*p))
        {
            Some(p) => s = s[p.len()..].trim_start(),
            None => break,
        }
    }
    if has_word(s) && s.chars().count() <= 40 {
        return true;
    }
    let body = msg.body_text(0).unwrap_or_default();
    let own = own_words(&body);
    !own.is_empty() && own.chars().count() <= 300 && has_word(&own)
}

/// The text a person typed above what they quote: lines up to the first quoted line (">"),
/// the first "On … wrote:" line, or a forwarded/original-message marker.
fn own_words(body: &str) -> String {
    let mut out = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        let lower = t.to_lowercase();
        if t.starts_with('>')
            || (lower.ends_with("wrote:")
                || lower.ends_with("написал:")
                || lower.ends_with("написала:")
                || lower.ends_with("schrieb:")
                || lower.ends_with("a écrit :"))
            || lower.starts_with("-----original message")
            || lower.starts_with("---------- forwarded")
            || t == "--"
            || t == "-- "
        {
            break;
        }
        out.push(t);
    }
    out.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_unsubscribe_reply_is_one_and_a_long_reply_quoting_the_footer_is_not() {
        let yes = b"From: Anna <anna@example.net>\r\nTo: letters@free-n.example.org\r\nSubject: Re: Free N.\r\nIn-Reply-To: <appeal.1.a.00000001.abc@free-n.example.org>\r\n\r\nunsubscribe please\r\n\r\n> To stop receiving letters, reply with \"unsubscribe\"\r\n";
        let c = classify(yes);
        assert_eq!(c.kind, MailKind::Unsubscribe);
        assert_eq!(c.address.as_deref(), Some("anna@example.net"));
        assert_eq!(c.our_ids, ["<appeal.1.a.00000001.abc@free-n.example.org>"]);

        let no = b"From: Anna <anna@example.net>\r\nTo: letters@free-n.example.org\r\nSubject: Re: Free N.\r\nIn-Reply-To: <appeal.1.a.00000001.abc@free-n.example.org>\r\n\r\nThank you, I will share it.\r\n\r\n> To stop receiving letters, reply with \"unsubscribe\"\r\n";
        assert_eq!(classify(no).kind, MailKind::Ignored);
    }

    #[test]
    fn bounce_codes_decide_hard_or_soft() {
        assert_eq!(
            bounce_severity("SMTP error: 550 5.1.1 User unknown"),
            (MailKind::HardBounce, Some("5.1.1".into()))
        );
        assert_eq!(
            bounce_severity("452 4.2.2 Mailbox full"),
            (MailKind::SoftBounce, Some("4.2.2".into()))
        );
        assert_eq!(
            bounce_severity("host said: 550 no such user"),
            (MailKind::HardBounce, None)
        );
    }
}
