//! `appeal mailbox`: the group's mailbox, read for unsubscribe requests and bounces.

use std::io::IsTerminal;

use anyhow::Result;
use appeal_core::Db;
use appeal_core::mailbox::{self, MailKind, MailboxAccount, MailboxDraft, MailboxSecurity};
use clap::Subcommand;

use crate::appeals::out;

#[derive(Subcommand)]
pub enum MailboxCmd {
    /// Add the group's mailbox (IMAP over TLS). Store its password with `appeal mailbox password`.
    Add {
        name: String,
        #[arg(long)]
        host: String,
        /// 993 for TLS (the default), 143 for STARTTLS.
        #[arg(long)]
        port: Option<u16>,
        #[arg(long, value_enum, default_value_t = MailboxSecurity::Tls)]
        security: MailboxSecurity,
        #[arg(long)]
        user: String,
        /// The folder replies and bounces arrive in.
        #[arg(long, default_value = "INBOX")]
        folder: String,
        /// Where processed mail is moved (created if missing).
        #[arg(
            long,
            default_value = "Processed by Appeal Desk",
            conflicts_with = "flag"
        )]
        processed_folder: String,
        /// Leave processed mail where it is, flagged $AppealDeskProcessed, instead of moving it.
        #[arg(long)]
        flag: bool,
        /// A CA certificate (PEM) to trust besides the system's.
        #[arg(long)]
        ca_file: Option<String>,
    },
    List,
    /// Remove a mailbox's settings and its password from the keychain.
    Remove {
        mailbox: String,
    },
    /// Store the mailbox's password in the system keychain (asked for, or one line on stdin).
    Password {
        mailbox: String,
        #[arg(long)]
        stdin: bool,
    },
    /// Log in and open the folder, changing nothing.
    Test {
        mailbox: String,
    },
    /// Read the mailbox: unsubscribe requests and hard bounces go on the suppression list,
    /// soft bounces are counted, and the mail acted on is moved (or flagged), never deleted.
    Process {
        mailbox: String,
        /// Show what would happen and change nothing, here or on the server.
        #[arg(long)]
        dry_run: bool,
    },
}

async fn password(m: &MailboxAccount) -> Result<String> {
    let env = std::env::var("APPEAL_IMAP_PASSWORD").ok();
    let account = m.clone();
    match tokio::task::spawn_blocking(move || mailbox::resolve_password(&account, env)).await? {
        Ok(pw) => Ok(pw),
        Err(e) if std::io::stdin().is_terminal() => {
            eprintln!("{e}");
            Ok(rpassword::prompt_password(format!(
                "password for {} at {}: ",
                m.draft.username, m.draft.host
            ))?)
        }
        Err(e) => Err(e.into()),
    }
}

fn kind_word(k: MailKind) -> &'static str {
    match k {
        MailKind::Unsubscribe => "unsubscribe",
        MailKind::HardBounce => "hard bounce",
        MailKind::SoftBounce => "soft bounce",
        MailKind::Ignored => "left alone",
    }
}

pub async fn run(db: &Db, cmd: MailboxCmd, json: bool) -> Result<()> {
    match cmd {
        MailboxCmd::Add {
            name,
            host,
            port,
            security,
            user,
            folder,
            processed_folder,
            flag,
            ca_file,
        } => {
            let mut d = MailboxDraft::new(&name, &host, &user);
            d.security = security;
            d.port = port.unwrap_or(d.security.default_port());
            d.folder = folder;
            d.processed_folder = (!flag).then_some(processed_folder);
            d.ca_file = ca_file;
            let m = mailbox::add(db, &d).await?;
            out(json, &m, |m| {
                println!(
                    "mailbox {} \"{}\" added; store its password with `appeal mailbox password {}`",
                    m.id, m.draft.name, m.draft.name
                )
            })?;
        }
        MailboxCmd::List => {
            let all = mailbox::list(db).await?;
            out(json, &all, |all| {
                if all.is_empty() {
                    println!("no mailboxes; add one with `appeal mailbox add`");
                }
                for m in all {
                    println!(
                        "{}\t{}\t{}@{}:{}\t{} → {}",
                        m.id,
                        m.draft.name,
                        m.draft.username,
                        m.draft.host,
                        m.draft.port,
                        m.draft.folder,
                        m.draft
                            .processed_folder
                            .as_deref()
                            .unwrap_or("(flagged in place)")
                    );
                }
            })?;
        }
        MailboxCmd::Remove { mailbox: key } => {
            let m = mailbox::find(db, &key).await?;
            mailbox::delete(db, m.id).await?;
            println!("mailbox \"{}\" removed", m.draft.name);
        }
        MailboxCmd::Password {
            mailbox: key,
            stdin,
        } => {
            let m = mailbox::find(db, &key).await?;
            let pw = crate::sending::read_password(stdin, &m.draft.username, &m.draft.host)?;
            let account = m.clone();
            tokio::task::spawn_blocking(move || mailbox::set_password(&account, &pw)).await??;
            println!(
                "password stored in the system keychain for {}",
                m.draft.name
            );
        }
        MailboxCmd::Test { mailbox: key } => {
            let m = mailbox::find(db, &key).await?;
            let pw = password(&m).await?;
            let r = mailbox::test(&m, &pw).await?;
            out(json, &r, |r| {
                println!("ok: logged in; {} holds {} mails", r.folder, r.messages)
            })?;
        }
        MailboxCmd::Process {
            mailbox: key,
            dry_run,
        } => {
            let m = mailbox::find(db, &key).await?;
            let pw = password(&m).await?;
            let r = mailbox::process(db, &m, &pw, dry_run).await?;
            out(json, &r, |r| {
                for f in &r.findings {
                    println!(
                        "{:>6}  {:<12} {:<32} {}{}{}",
                        f.uid,
                        kind_word(f.kind),
                        f.address.as_deref().unwrap_or(&f.from),
                        f.reason,
                        f.status
                            .as_deref()
                            .map(|s| format!(" [{s}]"))
                            .unwrap_or_default(),
                        if f.already_processed {
                            " (done in an earlier run)"
                        } else {
                            ""
                        }
                    );
                }
                println!(
                    "{}{} mails read: {} unsubscribe requests, {} hard bounces, {} soft bounces, {} left alone",
                    if r.dry_run {
                        "dry run, nothing changed: "
                    } else {
                        ""
                    },
                    r.read,
                    r.unsubscribes,
                    r.hard_bounces,
                    r.soft_bounces,
                    r.ignored
                );
                if !r.dry_run {
                    println!(
                        "{} addresses newly on the suppression list; {} mails {}",
                        r.suppressed,
                        r.moved,
                        match &r.processed_folder {
                            Some(f) => format!("moved to \"{f}\""),
                            None => "flagged as processed".into(),
                        }
                    );
                }
            })?;
        }
    }
    Ok(())
}
