//! The way out of a letter to supporters: the `List-Unsubscribe` header (RFC 2369) and a line
//! of wording in the letter's language. Sent letters and every hand-over (.eml, CSV, mailto)
//! carry the same, so a volunteer sending from their own mail program gives supporters the
//! same way out. Unsubscribe requests go where replies go: the letter's Reply-To, else its
//! sender.

/// Where a letter's unsubscribe requests go: the group's mailbox, and, when the mailing
/// names one, the group's own unsubscribe page (an https form on their site).
pub(crate) struct Unsubscribe<'a> {
    address: &'a str,
    page: Option<&'a url::Url>,
}

impl<'a> Unsubscribe<'a> {
    pub fn to(address: &'a str) -> Unsubscribe<'a> {
        Unsubscribe {
            address,
            page: None,
        }
    }

    /// With the group's unsubscribe page (read by [`stored_page`]) beside the mailbox.
    pub fn with_page(self, page: Option<&'a url::Url>) -> Unsubscribe<'a> {
        Unsubscribe { page, ..self }
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

    /// The `List-Unsubscribe` header's value for a letter to `recipient`: the page first
    /// (with the recipient's address as its `email` parameter, so one click or one POST
    /// names who leaves), then the mailbox.
    pub fn header(&self, recipient: &str) -> String {
        let mailto = format!("<mailto:{}?subject=unsubscribe>", self.address);
        match self.page_for(recipient) {
            Some(page) => format!("<{page}>, {mailto}"),
            None => mailto,
        }
    }

    /// `List-Unsubscribe-Post` (RFC 8058): only with an https page to post to.
    pub fn post(&self) -> Option<&'static str> {
        self.page.map(|_| "List-Unsubscribe=One-Click")
    }

    fn page_for(&self, recipient: &str) -> Option<String> {
        let mut url = self.page?.clone();
        url.query_pairs_mut().append_pair("email", recipient.trim());
        Some(url.to_string())
    }

    /// The wording added to the text part and to the HTML part, in the letter's language.
    /// The page is shown as given (the form there asks for the address).
    pub fn footer(&self, language: &str) -> (String, String) {
        let (lead, how) = wording(language);
        let address = self.address;
        let (page_text, page_html) = match self.page.map(url::Url::as_str) {
            Some(p) => (
                format!("{p}\n"),
                format!("<br><a href=\"{p}\">{p}</a>", p = escape(p)),
            ),
            None => (String::new(), String::new()),
        };
        (
            format!("\n\n-- \n{lead}\n{how} {address}\n{page_text}"),
            format!(
                "<hr><p style=\"font-size:small;color:#555\">{}<br>{} <a href=\"mailto:{a}?subject=unsubscribe\">{a}</a>{page_html}</p>",
                escape(lead),
                escape(how),
                a = escape(address)
            ),
        )
    }
}

/// A mailing's stored unsubscribe page, read once per send or export. It was checked when
/// the mailing was made, so one that does not read is damaged, not silently left out.
pub(crate) fn stored_page(stored: Option<&str>) -> crate::error::Result<Option<url::Url>> {
    stored
        .map(|p| {
            url::Url::parse(p).map_err(|_| crate::db::unknown_stored("an unsubscribe page", p))
        })
        .transpose()
}

/// Checks a group's unsubscribe page: an absolute https address with a host, nothing else
/// (RFC 8058 one-click needs https), at most 500 characters, no fragment.
pub fn check_page(page: &str) -> Result<String, String> {
    let page = page.trim();
    let url = url::Url::parse(page)
        .map_err(|e| format!("the unsubscribe page '{page}' is not a web address ({e})"))?;
    if url.scheme() != "https" {
        return Err(format!(
            "the unsubscribe page '{page}' must start with https:// (one-click unsubscribing needs an encrypted page)"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) || url.fragment().is_some() || page.len() > 500 {
        return Err(format!(
            "the unsubscribe page '{page}' must be a plain https address of a page on the group's site, without a '#' part"
        ));
    }
    Ok(url.to_string())
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

/// HTML-escaped as the templates' own HTML is (minijinja's escaper).
fn escape(s: &str) -> String {
    minijinja::HtmlEscape(s).to_string()
}
