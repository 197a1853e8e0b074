//! The way out of a letter to supporters: the `List-Unsubscribe` header (RFC 2369) and a line
//! of wording in the letter's language. Sent letters and every hand-over (.eml, CSV, mailto)
//! carry the same, so a volunteer sending from their own mail program gives supporters the
//! same way out. Unsubscribe requests go where replies go: the letter's Reply-To, else its
//! sender.

/// Where a letter's unsubscribe requests go.
pub(crate) struct Unsubscribe<'a> {
    address: &'a str,
}

impl<'a> Unsubscribe<'a> {
    pub fn to(address: &'a str) -> Unsubscribe<'a> {
        Unsubscribe { address }
    }

    /// Where a letter's unsubscribe requests go: the address of its Reply-To (a mailbox such
    /// as `Team <team@…>` or a bare address), else of its sender; `None` if neither is one.
    pub fn address_for(reply_to: Option<&str>, from: &str) -> Option<String> {
        use lettre::message::Mailbox;
        reply_to
            .and_then(|r| r.trim().parse::<Mailbox>().ok())
            .or_else(|| from.trim().parse::<Mailbox>().ok())
            .map(|mb| mb.email.to_string())
    }

    /// The `List-Unsubscribe` header's value.
    pub fn header(&self) -> String {
        format!("<mailto:{}?subject=unsubscribe>", self.address)
    }

    /// The wording added to the text part and to the HTML part, in the letter's language.
    pub fn footer(&self, language: &str) -> (String, String) {
        let (lead, how) = wording(language);
        let address = self.address;
        (
            format!("\n\n-- \n{lead}\n{how} {address}\n"),
            format!(
                "<hr><p style=\"font-size:small;color:#555\">{}<br>{} <a href=\"mailto:{a}?subject=unsubscribe\">{a}</a></p>",
                escape(lead),
                escape(how),
                a = escape(address)
            ),
        )
    }
}

/// Unsubscribe wording: (lead-in, how to) in the letter's language; English otherwise.
fn wording(language: &str) -> (&'static str, &'static str) {
    match language.get(..2).unwrap_or("") {
        "ru" => (
            "Вы получили это письмо, потому что поддержали нашу кампанию.",
            "Чтобы больше не получать писем, ответьте словом «unsubscribe» или напишите на",
        ),
        "de" => (
            "Sie erhalten diesen Brief, weil Sie unsere Kampagne unterstützt haben.",
            "Wenn Sie keine Briefe mehr erhalten möchten, antworten Sie mit „unsubscribe“ oder schreiben Sie an",
        ),
        "fr" => (
            "Vous recevez cette lettre parce que vous avez soutenu notre campagne.",
            "Pour ne plus recevoir de lettres, répondez « unsubscribe » ou écrivez à",
        ),
        "es" => (
            "Recibe esta carta porque apoyó nuestra campaña.",
            "Para no recibir más cartas, responda «unsubscribe» o escriba a",
        ),
        _ => (
            "You are receiving this letter because you supported our campaign.",
            "To stop receiving letters, reply with \"unsubscribe\" or write to",
        ),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
