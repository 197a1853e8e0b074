//! Who a mailing reaches, page by page, and what each of them would receive — or why they
//! cannot receive it. The check and the merge walk the same path, so the check's list is
//! exactly what the merge would leave out.

use super::consent::SELECTED;
use std::collections::HashSet;
use std::sync::Arc;

use lettre::message::Mailbox;
use serde::Serialize;
use ts_rs::TS;

use super::{AudienceKind, Consent, Mailing};
use crate::db::{Bulk, Db, Pages};
use crate::email::{is_valid_email, normalise_email};
use crate::error::Result;
use crate::signatories::query::{FIELD_COLUMNS, fields_from_bulk_row};
use crate::signatories::{SignatoryFields, Subscription};
use crate::suppression::Hasher;
use crate::targets::{self, Target};
use crate::templates::render::{Compiled, Context, Rendered, render};
use crate::templates::{self, TemplateDraft};

/// One recipient of a mailing, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct Recipient {
    pub signatory_id: Option<i64>,
    pub target_id: Option<i64>,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AudienceProblem {
    pub recipient: Recipient,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AudienceCheck {
    /// Recipients the mailing reaches, problems included.
    pub recipients: i64,
    /// Every problem, with the recipient it comes from (the first 10,000).
    pub problems: Vec<AudienceProblem>,
    /// The people a mailing to supporters selects, by what they said about being contacted
    /// (all zero for other mailings: consent to be contacted is not asked there).
    pub consent: super::consent::ConsentCounts,
    /// What consent this mailing asks for, in a sentence.
    pub consent_note: String,
    /// People of a mailing to supporters whom the consent rule leaves out.
    pub left_out_count: i64,
    /// Those people, and why (the first 10,000).
    pub left_out: Vec<super::consent::LeftOut>,
}

pub(crate) struct Pair {
    pub signatory: Option<(i64, Arc<SignatoryFields>)>,
    pub target: Option<Target>,
}

impl Pair {
    /// The signatory and target ids, as stored on a message.
    pub fn recipient_ids(&self) -> (Option<i64>, Option<i64>) {
        (
            self.signatory.as_ref().map(|(id, _)| *id),
            self.target.as_ref().map(|t| t.id),
        )
    }

    pub fn recipient(&self) -> Recipient {
        let person = self.signatory.as_ref().map(|(id, s)| {
            let name = s.full_name();
            let name = name.as_str();
            match &s.email {
                Some(e) if name.is_empty() => e.clone(),
                Some(e) => format!("{name} <{e}>"),
                None if name.is_empty() => format!("signatory {id}"),
                None => name.to_string(),
            }
        });
        let target = self.target.as_ref().map(|t| t.fields.name.clone());
        Recipient {
            signatory_id: self.signatory.as_ref().map(|(id, _)| *id),
            target_id: self.target.as_ref().map(|t| t.id),
            label: match (person, target) {
                (Some(p), Some(t)) => format!("{p} → {t}"),
                (Some(p), None) => p,
                (None, Some(t)) => t,
                (None, None) => String::new(),
            },
        }
    }
}

/// Walks the audience in pages of people (and, for letters to targets, every target each).
/// People are read on a bulk connection of their own, inside one snapshot: a merge of a
/// million letters reads them straight from SQLite's memory, with no thread hop a row.
pub(crate) struct Audience {
    reader: Option<Bulk>,
    mailing: Mailing,
    targets: Vec<Target>,
    after: i64,
    done: bool,
}

const PAGE: i64 = 2000;

static PEOPLE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT id, {FIELD_COLUMNS} FROM signatories WHERE id > ?1 AND {SELECTED}
         ORDER BY id LIMIT ?7"
    )
});

impl Audience {
    pub async fn open(db: &Db, mailing: &Mailing) -> Result<Audience> {
        let targets = match mailing.audience {
            AudienceKind::Signatories => Vec::new(),
            _ => targets::list(db, mailing.campaign_id).await?,
        };
        let reader = match mailing.audience {
            AudienceKind::Targets => None,
            _ => Some(db.bulk_read().await?),
        };
        Ok(Audience {
            reader,
            mailing: mailing.clone(),
            targets,
            after: 0,
            done: false,
        })
    }
}

impl Pages for Audience {
    type Item = Pair;

    /// The next pairs, or an empty list at the end.
    async fn next_page(&mut self, _db: &Db) -> Result<Vec<Pair>> {
        if self.done {
            return Ok(Vec::new());
        }
        if self.mailing.audience == AudienceKind::Targets {
            self.done = true;
            return Ok(self
                .targets
                .iter()
                .map(|t| Pair {
                    signatory: None,
                    target: Some(t.clone()),
                })
                .collect());
        }
        let Some(reader) = self.reader.as_mut() else {
            return Ok(Vec::new());
        };
        let f = self.mailing.filter.clone();
        let (after, campaign_id) = (self.after, self.mailing.campaign_id);
        // Letters on a signatory's behalf follow the petition's terms, not the mailing list's.
        let consent_level = match self.mailing.audience {
            AudienceKind::Signatories => f.consent.level(),
            _ => Consent::Everyone.level(),
        };
        let rows: Vec<(i64, SignatoryFields)> = reader
            .run(move |c| {
                let mut people = c.prepare_cached(&PEOPLE)?;
                let rows = people
                    .query_map(
                        rusqlite::params![
                            after,
                            f.petition_id,
                            consent_level,
                            f.tag,
                            f.country,
                            f.language,
                            PAGE,
                            campaign_id
                        ],
                        |r| Ok((r.get(0)?, fields_from_bulk_row(r, 1)?)),
                    )?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .await?;
        if (rows.len() as i64) < PAGE {
            self.done = true;
        }
        let mut out = Vec::new();
        for (id, fields) in rows {
            self.after = id;
            let person = (id, Arc::new(fields));
            match self.mailing.audience {
                AudienceKind::Signatories => out.push(Pair {
                    signatory: Some(person),
                    target: None,
                }),
                _ => out.extend(self.targets.iter().map(|t| Pair {
                    signatory: Some(person.clone()),
                    target: Some(t.clone()),
                })),
            }
        }
        Ok(out)
    }
}

/// A message ready to be stored.
pub(crate) struct Letter {
    pub signatory_id: Option<i64>,
    pub target_id: Option<i64>,
    pub from: String,
    pub to: String,
    pub to_address: String,
    pub reply_to: Option<String>,
    pub rendered: Rendered,
    pub attachments: Vec<AttachmentRef>,
}

/// A file attached to a letter, with the hash it had when merged: a file changed since
/// cannot go out silently as something else.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub(crate) struct AttachmentRef {
    pub path: String,
    pub sha256: String,
}

fn attachment(path: &str) -> std::result::Result<AttachmentRef, String> {
    use sha2::{Digest, Sha256};
    let p = std::path::Path::new(path);
    if !p.is_absolute() {
        return Err(format!("the attachment path '{path}' is not absolute"));
    }
    crate::db::refuse_own_files(p).map_err(|e| e.to_string())?;
    let bytes =
        std::fs::read(p).map_err(|e| format!("the attachment {path} cannot be read ({e})"))?;
    Ok(AttachmentRef {
        path: path.to_string(),
        sha256: hex::encode(Sha256::digest(&bytes)),
    })
}

/// What every letter of one mailing shares.
pub(crate) struct Shared {
    pub template: TemplateDraft,
    /// `None` when the template does not compile; the check reports why.
    pub compiled: Option<Compiled>,
    pub campaign_name: String,
    pub hasher: Hasher,
    pub suppressed: HashSet<String>,
    pub today: time::Date,
}

impl Shared {
    pub async fn load(db: &Db, mailing: &Mailing) -> Result<Shared> {
        let template = templates::get(db, mailing.template_id).await?.draft();
        Ok(Shared {
            compiled: Compiled::new(&template).ok(),
            template,
            campaign_name: crate::campaigns::get_campaign(db, mailing.campaign_id)
                .await?
                .name,
            hasher: Hasher::load(db).await?,
            suppressed: crate::suppression::all_hashes(db).await?,
            today: db.clock().today(),
        })
    }
}

fn mailbox(name: &str, address: &str) -> std::result::Result<String, String> {
    let addr = address
        .trim()
        .parse()
        .map_err(|_| format!("'{address}' is not an email address"))?;
    let name = name.trim();
    Ok(Mailbox::new((!name.is_empty()).then(|| name.to_string()), addr).to_string())
}

/// Renders one pair's letter, or says why it cannot go out.
pub(crate) fn prepare(
    pair: &Pair,
    mailing: &Mailing,
    shared: &Shared,
) -> std::result::Result<Letter, String> {
    let person = pair.signatory.as_ref().map(|(_, s)| s);
    let target = pair.target.as_ref().map(|t| &t.fields);
    let person_name = person.map(|s| s.full_name()).unwrap_or_default();
    let (to_name, to_address) = match (target, person) {
        (Some(t), _) => (
            t.name.clone(),
            t.email.clone().ok_or("the target has no email address")?,
        ),
        (None, Some(s)) => {
            let email = s.email.clone().ok_or("has no email address")?;
            if s.subscription == Subscription::Unsubscribed {
                return Err("has unsubscribed".into());
            }
            (person_name.clone(), email)
        }
        (None, None) => return Err("nobody to write to".into()),
    };
    if !is_valid_email(&to_address) {
        return Err(format!("'{to_address}' is not an email address"));
    }
    let to_key = normalise_email(&to_address);
    if !shared.suppressed.is_empty() && shared.suppressed.contains(&shared.hasher.hash(&to_key)) {
        return Err(format!("{to_address} is on the suppression list"));
    }
    let on_behalf = mailing.audience == AudienceKind::SignatoriesToTargets;
    let from_name = if on_behalf && !person_name.is_empty() {
        format!("{person_name} via {}", mailing.from_name)
    } else {
        mailing.from_name.clone()
    };
    let reply_to = match (on_behalf, person.and_then(|s| s.email.as_deref())) {
        (true, Some(e)) => Some(mailbox(&person_name, e)?),
        _ => mailing
            .reply_to
            .as_deref()
            .map(|r| mailbox("", r))
            .transpose()?,
    };
    let ctx = Context {
        signatory: pair.signatory.as_ref().map(|(_, s)| s.clone()),
        target,
        campaign_name: &shared.campaign_name,
        sender_name: &mailing.from_name,
        sender_address: &mailing.from_address,
    };
    let compiled = shared
        .compiled
        .as_ref()
        .ok_or("the template does not compile")?;
    let rendered = compiled
        .render_letter(&ctx, shared.today)
        .map_err(|e| format!("{} ({})", e.message, e.language))?;
    if rendered.subject.contains(['\r', '\n']) {
        return Err("the merged subject contains a line break".into());
    }
    if rendered.subject.is_empty() {
        return Err("the merged subject is empty".into());
    }
    let attachments = compiled
        .attachments(&ctx, shared.today)
        .map_err(|e| e.message)?
        .iter()
        .map(|p| attachment(p))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Letter {
        signatory_id: pair.signatory.as_ref().map(|(id, _)| *id),
        target_id: pair.target.as_ref().map(|t| t.id),
        from: mailbox(&from_name, &mailing.from_address)?,
        to: mailbox(&to_name, &to_address)?,
        to_address,
        reply_to,
        rendered,
        attachments,
    })
}

/// Lists every recipient that would be left out, and why. Nothing is written.
pub async fn check(db: &Db, mailing_id: i64) -> Result<AudienceCheck> {
    let mailing = super::get(db, mailing_id).await?;
    let shared = Shared::load(db, &mailing).await?;
    let mut problems = Vec::new();
    let known = templates::fields(db, mailing.campaign_id).await?;
    for p in templates::check(&shared.template, &known) {
        problems.push(AudienceProblem {
            recipient: Recipient {
                signatory_id: None,
                target_id: None,
                label: "the template".into(),
            },
            message: format!(
                "{} ({}, {})",
                p.message,
                p.language,
                match p.part {
                    templates::TemplatePart::Subject => "subject",
                    templates::TemplatePart::Body => "body",
                    templates::TemplatePart::Attachment => "attachment",
                }
            ),
        });
    }
    // Read with the consent rule left aside, so the people it leaves out can be named.
    let rule = mailing.filter.consent;
    let mut wide = mailing.clone();
    wide.filter.consent = Consent::Everyone;
    let mut audience = Audience::open(db, &wide).await?;
    let (mut recipients, mut left_out_count, mut left_out) = (0, 0, Vec::new());
    // Counted as the people go by; only a mailing to supporters has one pair a person.
    let mut consent = super::consent::ConsentCounts::default();
    loop {
        let page = audience.next_page(db).await?;
        if page.is_empty() {
            break;
        }
        for pair in &page {
            if mailing.audience == AudienceKind::Signatories
                && let Some((id, person)) = &pair.signatory
            {
                consent.add(person.consent, 1);
                if let Some(reason) = super::consent::left_out(rule, person.consent) {
                    left_out_count += 1;
                    if left_out.len() < 10_000 {
                        left_out.push(super::consent::LeftOut {
                            signatory_id: *id,
                            label: pair.recipient().label,
                            reason,
                        });
                    }
                    continue;
                }
            }
            recipients += 1;
            if let Err(message) = prepare(pair, &mailing, &shared)
                && problems.len() < 10_000
            {
                problems.push(AudienceProblem {
                    recipient: pair.recipient(),
                    message,
                });
            }
        }
    }
    Ok(AudienceCheck {
        recipients,
        problems,
        consent_note: super::consent::note(&mailing, &consent),
        consent,
        left_out_count,
        left_out,
    })
}

/// Recipients to step through in the template preview.
pub async fn preview_recipients(
    db: &Db,
    campaign_id: i64,
    kind: AudienceKind,
    offset: i64,
    limit: i64,
) -> Result<Vec<Recipient>> {
    let probe = Mailing {
        id: 0,
        campaign_id,
        template_id: 0,
        name: String::new(),
        audience: kind,
        // A preview may show anyone the template could reach.
        filter: super::AudienceFilter {
            consent: Consent::Everyone,
            ..Default::default()
        },
        from_name: String::new(),
        from_address: String::new(),
        reply_to: None,
        unsubscribe_url: None,
        state: super::MailingState::Draft,
        message_count: 0,
        created_at: String::new(),
    };
    let mut audience = Audience::open(db, &probe).await?;
    let mut out = Vec::new();
    let (skip, take) = (offset.max(0) as usize, limit.clamp(1, 200) as usize);
    let mut seen = 0usize;
    while out.len() < take {
        let page = audience.next_page(db).await?;
        if page.is_empty() {
            break;
        }
        for pair in page {
            if seen >= skip && out.len() < take {
                out.push(pair.recipient());
            }
            seen += 1;
        }
    }
    Ok(out)
}

/// The pair behind a recipient, for rendering a preview.
pub(crate) async fn load_pair(db: &Db, r: &Recipient) -> Result<Pair> {
    let signatory = match r.signatory_id {
        Some(id) => Some((id, Arc::new(crate::signatories::get(db, id).await?.fields))),
        None => None,
    };
    let target = match r.target_id {
        Some(id) => Some(targets::get(db, id).await?),
        None => None,
    };
    Ok(Pair { signatory, target })
}

/// Renders a template (saved or not) for one recipient, as the editor's live preview.
pub async fn render_preview(
    db: &Db,
    draft: &TemplateDraft,
    recipient: &Recipient,
) -> Result<Rendered> {
    let pair = load_pair(db, recipient).await?;
    let campaign = crate::campaigns::get_campaign(db, draft.campaign_id).await?;
    let ctx = Context {
        signatory: pair.signatory.as_ref().map(|(_, s)| s.clone()),
        target: pair.target.as_ref().map(|t| &t.fields),
        campaign_name: &campaign.name,
        sender_name: &campaign.name,
        sender_address: "",
    };
    render(draft, &ctx, db.clock().today())
        .map_err(|e| crate::error::Error::InvalidInput(format!("{} ({})", e.message, e.language)))
}
