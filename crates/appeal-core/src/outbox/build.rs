//! A stored letter as it goes over the wire: the frozen text and HTML, its stable
//! Message-ID, a fresh Date, and for letters to supporters a List-Unsubscribe header and
//! unsubscribe wording in the letter's language. Optionally DKIM-signed.

use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::message::dkim::DkimConfig;

use crate::error::{Error, Result};
use crate::mailings::messages::Stored;
use crate::mailings::mime::{AttachmentFiles, Extras, message};
use crate::mailings::unsubscribe::Unsubscribe;
use crate::smtp::Profile;
use crate::smtp::dkim::load_dkim;
use crate::time_util::Clock;

pub(crate) struct Builder {
    envelope_from: lettre::Address,
    to_supporters: bool,
    /// The group's https unsubscribe page, for a one-click List-Unsubscribe.
    unsubscribe_page: Option<url::Url>,
    dkim: Option<DkimConfig>,
    /// Checked once for the whole run, shared by every connection.
    files: AttachmentFiles,
    /// Dates each letter as it is built.
    clock: Clock,
}

/// One letter ready for the wire.
pub(crate) struct Built {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

impl Builder {
    /// `unsubscribe_page`: the mailing's, for letters to supporters.
    pub fn new(
        profile: &Profile,
        to_supporters: bool,
        unsubscribe_page: Option<String>,
        clock: Clock,
    ) -> Result<Builder> {
        let envelope_from = profile.draft.from_address.trim().parse().map_err(|_| {
            Error::InvalidInput(format!(
                "the account's sender address '{}' is not an email address",
                profile.draft.from_address
            ))
        })?;
        let dkim = profile.draft.dkim.as_ref().map(load_dkim).transpose()?;
        Ok(Builder {
            envelope_from,
            to_supporters,
            unsubscribe_page: crate::mailings::unsubscribe::stored_page(
                unsubscribe_page.as_deref(),
            )?,
            dkim,
            files: AttachmentFiles::default(),
            clock,
        })
    }

    /// The letter as stored, to its own recipient; or, for a test send, to `test_to`.
    pub fn build(&self, m: &Stored, test_to: Option<&Mailbox>) -> Result<Built> {
        let mut x = Extras::default();
        if self.to_supporters {
            let address = Unsubscribe::address_for(m.reply_to.as_deref(), &m.from_header)
                .unwrap_or_else(|| self.envelope_from.to_string());
            let way_out = Unsubscribe::to(&address).with_page(self.unsubscribe_page.as_ref());
            x.list_unsubscribe = Some(way_out.header(&m.to_address));
            x.list_unsubscribe_post = way_out.post();
            x.footer = Some(way_out.footer(&m.language));
        }
        if let Some(to) = test_to {
            x.to = Some(to.clone());
            x.subject_prefix = "[TEST] ";
            x.test = true;
            // A test copy must not share the real letter's Message-ID, or the real one could
            // later be taken for a duplicate of it.
            let stable = m.message_id.trim_matches(['<', '>']);
            x.message_id = Some(format!("<test.{:08x}.{stable}>", rand::random::<u32>()));
        }
        let mut message = message(m, &x, &self.files, self.clock.system_time())?;
        if let Some(k) = &self.dkim {
            message.sign(k);
        }
        let to = match test_to {
            Some(t) => t.email.clone(),
            None => m.to_address.trim().parse().map_err(|_| {
                Error::Conflict(format!(
                    "message {}: the recipient '{}' is not an email address",
                    m.id, m.to_address
                ))
            })?,
        };
        let envelope = Envelope::new(Some(self.envelope_from.clone()), vec![to])
            .map_err(|e| Error::Conflict(format!("message {}: {e}", m.id)))?;
        Ok(Built {
            envelope,
            bytes: message.formatted(),
        })
    }
}
