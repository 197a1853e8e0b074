//! `appeal smtp`, `appeal send`, `appeal outbox`.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use appeal_core::Db;
use appeal_core::outbox::{self, OutboxQuery, SendControl, SendOptions, SendProgress};
use appeal_core::smtp::{self, DkimSettings, Profile, ProfileDraft, Security, secret};
use indicatif::{ProgressBar, ProgressStyle};

use crate::appeals::out;
use crate::sending_cli::*;

fn apply(d: &mut ProfileDraft, a: SmtpArgs) -> Result<()> {
    if let Some(v) = a.host {
        d.host = v;
    }
    if let Some(v) = a.port {
        d.port = v;
    }
    if let Some(v) = a.security {
        d.security = v;
    }
    if let Some(v) = a.user {
        d.username = Some(v).filter(|u| !u.is_empty());
    }
    if let Some(v) = a.from {
        d.from_address = v;
    }
    if let Some(v) = a.from_name {
        d.from_name = v;
    }
    if let Some(v) = a.reply_to {
        d.reply_to = Some(v).filter(|u| !u.is_empty());
    }
    if let Some(v) = a.ca_file {
        let s = v.display().to_string();
        d.ca_file = Some(s).filter(|u| !u.is_empty());
    }
    if let Some(v) = a.concurrency {
        d.concurrency = v;
    }
    if a.no_limits {
        d.limits = Default::default();
    }
    for (arg, slot) in [
        (a.per_second, &mut d.limits.per_second),
        (a.per_minute, &mut d.limits.per_minute),
        (a.per_hour, &mut d.limits.per_hour),
        (a.per_day, &mut d.limits.per_day),
    ] {
        if arg.is_some() {
            *slot = arg;
        }
    }
    if let Some(v) = a.max_attempts {
        d.max_attempts = v;
    }
    if let Some(v) = a.retry_after {
        d.retry_base_seconds = v;
    }
    if let Some(v) = a.timeout {
        d.timeout_seconds = v;
    }
    match (a.dkim_domain, a.dkim_selector, a.dkim_key) {
        (None, None, None) => {}
        (Some(domain), Some(selector), Some(key)) => {
            d.dkim = Some(DkimSettings {
                domain,
                selector,
                key_file: key.display().to_string(),
            })
        }
        _ => bail!("DKIM signing needs all three: --dkim-domain, --dkim-selector and --dkim-key"),
    }
    Ok(())
}

fn show(p: &Profile) {
    let d = &p.draft;
    println!(
        "{:>4}  {}  {}:{} ({})  from {} <{}>{}",
        p.id,
        d.name,
        d.host,
        d.port,
        d.security.as_str(),
        d.from_name,
        d.from_address,
        d.username
            .as_ref()
            .map(|u| format!("  login {u}"))
            .unwrap_or_default()
    );
}

/// The account's password: APPEAL_SMTP_PASSWORD, else the keychain, else a prompt.
/// A password to store: one line on stdin with `stdin`, else asked for without echo.
pub(crate) fn read_password(stdin: bool, user: &str, host: &str) -> Result<String> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        Ok(rpassword::prompt_password(format!(
            "password for {user} at {host}: "
        ))?)
    }
}

async fn password(p: &Profile) -> Result<Option<String>> {
    let env = std::env::var("APPEAL_SMTP_PASSWORD").ok();
    let profile = p.clone();
    match tokio::task::spawn_blocking(move || secret::resolve(&profile, env)).await? {
        Ok(pw) => Ok(pw),
        Err(e) if std::io::stdin().is_terminal() => {
            eprintln!("{e}");
            let prompt = format!(
                "password for {} at {}: ",
                p.draft.username.as_deref().unwrap_or(""),
                p.draft.host
            );
            Ok(Some(rpassword::prompt_password(prompt)?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn smtp(db: &Db, cmd: SmtpCmd, json: bool) -> Result<()> {
    match cmd {
        SmtpCmd::Add { name, fields } => {
            let mut d = ProfileDraft::new(&name, "", 587, Security::Starttls, "");
            apply(&mut d, fields)?;
            if d.host.is_empty() {
                bail!("give the server with --host");
            }
            if d.from_address.is_empty() {
                bail!("give the sender's address with --from");
            }
            let p = smtp::add(db, &d).await?;
            out(json, &p, |p| {
                show(p);
                if p.draft.username.is_some() {
                    println!(
                        "store its password with: appeal smtp password {}",
                        p.draft.name
                    );
                }
            })?;
        }
        SmtpCmd::Edit {
            account,
            name,
            fields,
        } => {
            let p = smtp::find(db, &account).await?;
            let mut d = p.draft.clone();
            if let Some(n) = name {
                d.name = n;
            }
            apply(&mut d, fields)?;
            let p = smtp::update(db, p.id, &d).await?;
            out(json, &p, show)?;
        }
        SmtpCmd::List => {
            let list = smtp::list(db).await?;
            out(json, &list, |l| l.iter().for_each(show))?;
        }
        SmtpCmd::Show { account } => {
            let p = smtp::find(db, &account).await?;
            out(json, &p, |p| {
                println!("{}", serde_json::to_string_pretty(p).unwrap_or_default())
            })?;
        }
        SmtpCmd::Delete { account } => {
            let p = smtp::find(db, &account).await?;
            smtp::delete(db, p.id).await?;
            println!("account {} deleted, with its password", p.draft.name);
        }
        SmtpCmd::Password { account, stdin } => {
            let p = smtp::find(db, &account).await?;
            let pw = read_password(
                stdin,
                p.draft.username.as_deref().unwrap_or(""),
                &p.draft.host,
            )?;
            let profile = p.clone();
            tokio::task::spawn_blocking(move || secret::set(&profile, &pw)).await??;
            println!(
                "password stored in the system keychain for {}",
                p.draft.name
            );
        }
        SmtpCmd::Forget { account } => {
            let p = smtp::find(db, &account).await?;
            let profile = p.clone();
            tokio::task::spawn_blocking(move || secret::delete(&profile)).await??;
            println!("password removed from the keychain for {}", p.draft.name);
        }
        SmtpCmd::Test { account } => {
            let p = smtp::find(db, &account).await?;
            let pw = password(&p).await?;
            let r = smtp::test_connection(&p, pw.as_deref()).await?;
            out(json, &r, |r| {
                println!(
                    "ok: {} answered in {} ms{}{}",
                    r.server,
                    r.milliseconds,
                    if r.encrypted {
                        ", encrypted"
                    } else {
                        ", not encrypted (this machine only)"
                    },
                    if r.authenticated { ", logged in" } else { "" }
                )
            })?;
        }
    }
    Ok(())
}

fn line(p: &SendProgress) -> String {
    let c = &p.counts;
    let mut s = format!(
        "sent {} · failed {} · deferred {} · uncertain {} · {:.0}/s",
        c.sent, c.failed, c.deferred, c.uncertain, p.rate_per_second
    );
    if let Some(eta) = p.eta_seconds {
        s.push_str(&format!(" · ETA {}:{:02}", eta / 60, eta % 60));
    }
    match p.phase {
        outbox::SendPhase::WaitingForRetry => s.push_str(&format!(
            " · waiting to retry at {}",
            p.next_retry_at.as_deref().unwrap_or("?")
        )),
        outbox::SendPhase::SlowedDown => s.push_str(" · slowed down by the server"),
        outbox::SendPhase::Paused => s.push_str(" · paused"),
        outbox::SendPhase::Cancelling => s.push_str(" · cancelling"),
        _ => {}
    }
    if let Some(n) = &p.note {
        s.push_str(&format!(" · {n}"));
    }
    s
}

pub async fn send(db: &Db, args: SendArgs, json: bool) -> Result<()> {
    let profile = smtp::find(db, &args.via).await?;
    let pw = password(&profile).await?;
    if let Some(to) = args.test {
        let message = match args.message {
            Some(m) => m,
            None => appeal_core::mailings::messages::list(db, args.mailing, 0, 1)
                .await?
                .rows
                .first()
                .map(|r| r.id)
                .context("the mailing has no merged messages; merge it first")?,
        };
        let r = outbox::send_test(db, message, &profile, pw, &to).await?;
        return out(json, &r, |r| {
            println!("test letter accepted for {}: {}", r.to, r.reply)
        });
    }
    let bar = if json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").expect("valid template"),
    );
    let b = bar.clone();
    let progress = Arc::new(move |p: SendProgress| {
        let c = &p.counts;
        b.set_length(p.total as u64);
        b.set_position((c.sent + c.failed + c.suppressed + c.cancelled) as u64);
        b.set_message(line(&p));
    });
    let control = SendControl::new();
    let ctl = control.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\nstopping: letters in the middle of sending finish; press Ctrl-C again to quit at once"
            );
            ctl.stop();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let options = SendOptions {
        wait_for_retries: !args.no_wait,
    };
    bar.enable_steady_tick(Duration::from_millis(200));
    let result = outbox::send(db, args.mailing, &profile, pw, control, progress, options).await;
    bar.finish_and_clear();
    let p = result?;
    out(json, &p, |p| {
        println!("{}", line(p));
        let c = &p.counts;
        if c.open() == 0 {
            println!(
                "mailing {} finished: every message is in a final state",
                args.mailing
            );
        } else {
            println!(
                "mailing {} not finished: {} queued, {} deferred, {} uncertain (see `appeal outbox list {} --state uncertain`)",
                args.mailing, c.queued, c.deferred, c.uncertain, args.mailing
            );
        }
    })
}

pub async fn outbox(db: &Db, cmd: OutboxCmd, json: bool) -> Result<()> {
    match cmd {
        OutboxCmd::Status { mailing } => {
            let s = outbox::status(db, mailing).await?;
            out(json, &s, |s| {
                let c = &s.counts;
                println!(
                    "queued {}  sending {}  sent {}  deferred {}  failed {}  suppressed {}  cancelled {}  uncertain {}",
                    c.queued,
                    c.sending,
                    c.sent,
                    c.deferred,
                    c.failed,
                    c.suppressed,
                    c.cancelled,
                    c.uncertain
                );
                println!(
                    "{}{}",
                    if s.finished {
                        "finished"
                    } else {
                        "not finished"
                    },
                    if s.sending_elsewhere {
                        " (being sent elsewhere right now)"
                    } else {
                        ""
                    }
                );
                if let Some(t) = &s.next_retry_at {
                    println!("next retry at {t}");
                }
            })?;
        }
        OutboxCmd::List {
            mailing,
            state,
            search,
            offset,
            limit,
        } => {
            let page = outbox::list(
                db,
                mailing,
                &OutboxQuery {
                    state,
                    search,
                    offset,
                    limit,
                },
            )
            .await?;
            out(json, &page, |p| {
                for r in &p.rows {
                    println!(
                        "{:>7}  {:<10} {:>2}  {}  {}",
                        r.id,
                        serde_json::to_value(r.state)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default(),
                        r.attempts,
                        r.to,
                        r.last_reply.as_deref().unwrap_or("")
                    );
                }
                println!("{} of {}", p.rows.len(), p.total);
            })?;
        }
        OutboxCmd::Log { message } => {
            let list = outbox::attempts(db, message).await?;
            out(json, &list, |l| {
                for a in l {
                    println!("{}  {:<11} {}", a.at, a.outcome, a.reply);
                }
            })?;
        }
        OutboxCmd::Retry {
            mailing,
            failed,
            deferred,
        } => {
            if !failed && !deferred {
                bail!("say what to retry: --failed, --deferred or both");
            }
            let f = if failed {
                outbox::retry_failed(db, mailing).await?
            } else {
                0
            };
            let d = if deferred {
                outbox::retry_deferred_now(db, mailing).await?
            } else {
                0
            };
            out(
                json,
                &serde_json::json!({"requeued_failed": f, "deferred_due_now": d}),
                |_| {
                    println!(
                        "{f} failed messages back in the queue, {d} deferred messages due now; run `appeal send {mailing} --via …`"
                    )
                },
            )?;
        }
        OutboxCmd::Resolve {
            mailing,
            action,
            ids,
        } => {
            let resolution = action;
            let only = (!ids.is_empty()).then_some(ids.as_slice());
            let n = outbox::resolve_uncertain(db, mailing, resolution, only).await?;
            out(json, &serde_json::json!({"resolved": n}), |_| {
                println!("{n} uncertain messages resolved")
            })?;
        }
        OutboxCmd::Cancel { mailing } => {
            let n = outbox::cancel(db, mailing).await?;
            out(json, &serde_json::json!({"cancelled": n}), |_| {
                println!("{n} messages cancelled")
            })?;
        }
        OutboxCmd::ExportLog { mailing, out: path } => {
            let n = outbox::export_log(db, mailing, &path).await?;
            out(
                json,
                &serde_json::json!({"attempts": n, "path": path}),
                |_| println!("{n} attempts written to {}", path.display()),
            )?;
        }
        OutboxCmd::Chart { mailing } => {
            let rows = outbox::per_minute(db, mailing).await?;
            out(json, &rows, |rows| {
                let max = rows.iter().map(|r| r.sent).max().unwrap_or(1).max(1);
                for r in rows {
                    let bar = "#".repeat(((r.sent * 50) / max) as usize);
                    println!(
                        "{}  {:>6} sent {:>4} failed  {bar}",
                        r.minute, r.sent, r.failed
                    );
                }
            })?;
        }
    }
    Ok(())
}
