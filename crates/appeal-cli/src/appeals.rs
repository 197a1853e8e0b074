//! Running the drafter's commands against the core.

use anyhow::{Context as _, Result, bail};
use appeal_core::mailings::handover::{self};
use appeal_core::mailings::{
    self, AudienceFilter, MailingDraft, MergeProgress, Recipient, messages,
};
use appeal_core::targets::{self, TargetFields};
use appeal_core::templates::{self, TemplateDraft, TemplateVariant};
use appeal_core::{Db, campaigns};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::appeals_cli::*;

/// Prints `value` as JSON with `--json`, else as `text` prints it.
pub(crate) fn out<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T)) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        text(value);
    }
    Ok(())
}

async fn campaign(db: &Db, c: &str) -> Result<i64> {
    Ok(campaigns::find_campaign(db, c).await?.id)
}

impl TargetArgs {
    fn fields(self) -> TargetFields {
        TargetFields {
            name: self.name,
            title: self.title,
            organisation: self.organisation,
            email: self.email,
            address: self.address.map(|a| a.replace("\\n", "\n")),
            country: self.country,
            language: self.language,
            form_of_address: self.form_of_address,
        }
    }
}

pub async fn target(db: &Db, cmd: TargetCmd, json: bool) -> Result<()> {
    match cmd {
        TargetCmd::Add {
            campaign: c,
            fields,
        } => {
            let t = targets::create(db, campaign(db, &c).await?, &fields.fields()).await?;
            out(json, &t, |t| {
                println!("target {} \"{}\" added", t.id, t.fields.name)
            })
        }
        TargetCmd::Edit { id, fields } => {
            let t = targets::update(db, id, &fields.fields()).await?;
            out(json, &t, |t| println!("target {} saved", t.id))
        }
        TargetCmd::List { campaign: c } => {
            let list = targets::list(db, campaign(db, &c).await?).await?;
            out(json, &list, |list| {
                for t in list {
                    let f = &t.fields;
                    println!(
                        "{:>5}  {:<30} {:<30} {}",
                        t.id,
                        f.name,
                        f.email.as_deref().unwrap_or("(no email)"),
                        f.language.as_deref().unwrap_or("")
                    );
                }
            })
        }
        TargetCmd::Delete { id } => {
            targets::delete(db, id).await?;
            out(json, &serde_json::json!({ "deleted": id }), |_| {
                println!("target {id} deleted")
            })
        }
        TargetCmd::Import { campaign: c, file } => {
            let r = targets::import(db, campaign(db, &c).await?, &file).await?;
            out(json, &r, |r| {
                println!(
                    "{} rows: {} imported, {} updated, {} rejected",
                    r.rows, r.imported, r.updated, r.rejected
                );
                for x in &r.rejects {
                    println!("    line {}: {}", x.line, x.reason);
                }
            })
        }
        TargetCmd::Export {
            campaign: c,
            out: path,
        } => {
            let n = targets::export(db, campaign(db, &c).await?, &path).await?;
            out(json, &serde_json::json!({ "rows": n }), |_| {
                println!("{n} targets written to {}", path.display())
            })
        }
    }
}

fn body(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the body from {}", path.display()))
}

pub async fn template(db: &Db, cmd: TemplateCmd, json: bool) -> Result<()> {
    match cmd {
        TemplateCmd::Add {
            campaign: c,
            name,
            lang,
            subject,
            body_file,
            attach,
        } => {
            let draft = TemplateDraft {
                id: None,
                campaign_id: campaign(db, &c).await?,
                name,
                fallback_language: lang.clone(),
                variants: vec![TemplateVariant {
                    language: lang,
                    subject,
                    body: body(&body_file)?,
                }],
                attachments: attach,
            };
            let t = templates::save(db, &draft).await?;
            out(json, &t, |t| {
                println!("template {} \"{}\" saved", t.id, t.name)
            })
        }
        TemplateCmd::Edit {
            id,
            lang,
            subject,
            body_file,
            fallback,
            attach,
        } => {
            let mut draft = templates::get(db, id).await?.draft();
            let lang = lang.trim().to_lowercase();
            let variant = TemplateVariant {
                language: lang.clone(),
                subject,
                body: body(&body_file)?,
            };
            match draft.variants.iter_mut().find(|v| v.language == lang) {
                Some(v) => *v = variant,
                None => draft.variants.push(variant),
            }
            if fallback {
                draft.fallback_language = lang;
            }
            if let Some(attach) = attach {
                draft.attachments = attach;
            }
            let t = templates::save(db, &draft).await?;
            out(json, &t, |t| {
                println!("template {} saved ({} languages)", t.id, t.variants.len())
            })
        }
        TemplateCmd::List { campaign: c } => {
            let list = templates::list(db, campaign(db, &c).await?).await?;
            out(json, &list, |list| {
                for t in list {
                    let langs: Vec<&str> = t.variants.iter().map(|v| v.language.as_str()).collect();
                    println!(
                        "{:>5}  {:<30} {} (fallback {})",
                        t.id,
                        t.name,
                        langs.join(", "),
                        t.fallback_language
                    );
                }
            })
        }
        TemplateCmd::Show { id } => {
            let t = templates::get(db, id).await?;
            out(json, &t, |t| {
                for v in &t.variants {
                    println!(
                        "--- {} ---\nSubject: {}\n\n{}",
                        v.language, v.subject, v.body
                    );
                }
            })
        }
        TemplateCmd::Variants { id } => {
            let t = templates::get(db, id).await?;
            let langs: Vec<String> = t.variants.iter().map(|v| v.language.clone()).collect();
            out(json, &langs, |l| {
                println!("{} (fallback {})", l.join("\n"), t.fallback_language)
            })
        }
        TemplateCmd::Check { id } => {
            let t = templates::get(db, id).await?;
            let known = templates::fields(db, t.campaign_id).await?;
            let problems = templates::check(&t.draft(), &known);
            out(json, &problems, |ps| {
                for p in ps {
                    let at = match (p.line, p.column) {
                        (Some(l), Some(c)) => format!("line {l}, column {c}"),
                        (Some(l), None) => format!("line {l}"),
                        _ => String::new(),
                    };
                    println!("{} {:?} {at}: {}", p.language, p.part, p.message);
                }
                if ps.is_empty() {
                    println!("template {id} is fine");
                }
            })?;
            if !problems.is_empty() {
                bail!("{} problem(s) in template {id}", problems.len());
            }
            Ok(())
        }
        TemplateCmd::Preview {
            id,
            signatory,
            target,
        } => {
            let t = templates::get(db, id).await?;
            let r = mailings::render_preview(
                db,
                &t.draft(),
                &Recipient {
                    signatory_id: signatory,
                    target_id: target,
                    label: String::new(),
                },
            )
            .await?;
            out(json, &r, |r| {
                println!(
                    "Language: {}\nSubject: {}\n\n{}",
                    r.language, r.subject, r.text
                )
            })
        }
        TemplateCmd::Fields { campaign: c } => {
            let f = templates::fields(db, campaign(db, &c).await?).await?;
            out(json, &f, |f| println!("{}", f.join("\n")))
        }
        TemplateCmd::Delete { id } => {
            templates::delete(db, id).await?;
            out(json, &serde_json::json!({ "deleted": id }), |_| {
                println!("template {id} deleted")
            })
        }
    }
}

pub async fn mailing(db: &Db, cmd: MailingCmd, json: bool) -> Result<()> {
    match cmd {
        MailingCmd::Create {
            campaign: c,
            template,
            name,
            audience,
            petition,
            consent,
            tag,
            country,
            language,
            from_name,
            from_address,
            reply_to,
            unsubscribe_url,
        } => {
            let petition_id = match petition {
                Some(p) => Some(campaigns::find_petition(db, &p).await?.id),
                None => None,
            };
            let draft = MailingDraft {
                campaign_id: campaign(db, &c).await?,
                template_id: template,
                name,
                audience,
                filter: AudienceFilter {
                    petition_id,
                    consent,
                    tag,
                    country,
                    language,
                },
                from_name,
                from_address,
                reply_to,
                unsubscribe_url,
            };
            let m = mailings::create(db, &draft).await?;
            out(json, &m, |m| {
                println!(
                    "mailing {} \"{}\" created; check it with `appeal mailing check {}`",
                    m.id, m.name, m.id
                )
            })
        }
        MailingCmd::List { campaign: c } => {
            let list = mailings::list(db, campaign(db, &c).await?).await?;
            out(json, &list, |list| {
                for m in list {
                    println!(
                        "{:>5}  {:<30} {:?} {:?}, {} messages",
                        m.id, m.name, m.audience, m.state, m.message_count
                    );
                }
            })
        }
        MailingCmd::Check { id } => {
            let r = mailings::check(db, id).await?;
            out(json, &r, |r| {
                println!("{} recipients, {} problems", r.recipients, r.problems.len());
                for p in &r.problems {
                    println!("  {}: {}", p.recipient.label, p.message);
                }
                println!("{}", r.consent_note);
                if r.left_out_count > 0 {
                    println!(
                        "{} left out by the consent rule (widen it with --consent on a new mailing):",
                        r.left_out_count
                    );
                    for l in &r.left_out {
                        println!("  {}: {}", l.label, l.reason.sentence());
                    }
                }
            })?;
            if !r.problems.is_empty() {
                bail!(
                    "{} problem(s); fix them, or merge with --exclude-problems to leave those recipients out",
                    r.problems.len()
                );
            }
            Ok(())
        }
        MailingCmd::Merge {
            id,
            exclude_problems,
        } => {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} merged, ETA {eta}")
                    .expect("valid template"),
            );
            if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let progress = |p: MergeProgress| {
                bar.set_length(p.total as u64);
                bar.set_position(p.done as u64);
            };
            let r = mailings::merge(db, id, exclude_problems, &progress).await?;
            bar.finish_and_clear();
            out(json, &r, |r| {
                println!(
                    "{} messages in the outbox ({} left out with problems, {} unsent ones replaced)",
                    r.messages, r.excluded, r.replaced
                )
            })
        }
        MailingCmd::Messages { id, offset, limit } => {
            let page = messages::list(db, id, offset, limit).await?;
            out(json, &page, |p| {
                for m in &p.rows {
                    println!(
                        "{:>7}  {:<9} {:<40} {}",
                        m.id,
                        format!("{:?}", m.state).to_lowercase(),
                        m.to,
                        m.subject
                    );
                }
                println!("{} of {} shown", p.rows.len(), p.total);
            })
        }
        MailingCmd::Message { id } => {
            let m = messages::get(db, id).await?;
            out(json, &m, |m| {
                println!("From: {}\nTo: {}", m.from, m.to);
                if let Some(r) = &m.reply_to {
                    println!("Reply-To: {r}");
                }
                println!(
                    "Subject: {}\nMessage-ID: {}\n\n{}",
                    m.subject, m.message_id, m.text
                );
            })
        }
        MailingCmd::Export {
            id,
            format,
            out: path,
        } => {
            let r = handover::export(db, id, format, &path).await?;
            out(json, &r, |r| {
                println!("{} messages written to {}", r.messages, r.path)
            })
        }
        MailingCmd::Delete { id } => {
            mailings::delete(db, id).await?;
            out(json, &serde_json::json!({ "deleted": id }), |_| {
                println!("mailing {id} deleted")
            })
        }
    }
}
