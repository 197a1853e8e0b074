//! Each subcommand: parse what the user typed, call the core, print the result.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use appeal_core::export::{ExportOptions, ExportPreset};
use appeal_core::imports::{self, ImportOptions, ImportProgress};
use appeal_core::signatories::{self, SignatoryQuery, Subscription};
use appeal_core::suppression;
use appeal_core::{Db, campaigns};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::*;

fn print_json<T: Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn run(cli: Cli) -> Result<()> {
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => Db::default_path()?,
    };
    let passphrase_file = cli.passphrase_file.as_deref();
    if let Command::Db(cmd) = cli.command {
        return crate::vault_cli::db(&path, passphrase_file, cmd, cli.json).await;
    }
    let db = crate::vault_cli::open(&path, passphrase_file).await?;
    let json = cli.json;
    let result = dispatch(&db, cli.command, json).await;
    db.close().await;
    result
}

async fn petition_id(db: &Db, p: &Option<String>) -> Result<Option<i64>> {
    Ok(match p {
        Some(p) => Some(campaigns::find_petition(db, p).await?.id),
        None => None,
    })
}

async fn dispatch(db: &Db, command: Command, json: bool) -> Result<()> {
    match &command {
        Command::Export(a) => crate::vault_cli::personal_data_notice(&a.out),
        Command::Mailing(crate::appeals_cli::MailingCmd::Export { out, .. }) => {
            crate::vault_cli::personal_data_notice(out)
        }
        _ => {}
    }
    match command {
        Command::Info => {
            let info = db.info().await?;
            if json {
                print_json(&info)?;
            } else {
                println!(
                    "database: {}\nschema:   {}\npeople:   {}",
                    info.path, info.schema_version, info.signatories
                );
            }
        }
        Command::Campaign(CampaignCmd::Add { name }) => {
            let c = campaigns::create_campaign(db, &name).await?;
            if json {
                print_json(&c)?
            } else {
                println!("campaign {} \"{}\" created", c.id, c.name)
            }
        }
        Command::Campaign(CampaignCmd::List) => {
            let list = campaigns::list_campaigns(db).await?;
            if json {
                print_json(&list)?;
            } else {
                for c in list {
                    println!("{:>5}  {}  ({} petitions)", c.id, c.name, c.petition_count);
                }
            }
        }
        Command::Petition(PetitionCmd::Add { campaign, title }) => {
            let c = campaigns::find_campaign(db, &campaign).await?;
            let p = campaigns::create_petition(db, c.id, &title).await?;
            if json {
                print_json(&p)?
            } else {
                println!(
                    "petition {} \"{}\" created in \"{}\"",
                    p.id, p.title, c.name
                )
            }
        }
        Command::Petition(PetitionCmd::List { campaign }) => {
            let cid = match campaign {
                Some(c) => Some(campaigns::find_campaign(db, &c).await?.id),
                None => None,
            };
            let list = campaigns::list_petitions(db, cid).await?;
            if json {
                print_json(&list)?;
            } else {
                for p in list {
                    println!(
                        "{:>5}  {}  ({} signatures)",
                        p.id, p.title, p.signature_count
                    );
                }
            }
        }
        Command::Import(args) => import(db, args, json).await?,
        Command::Imports(cmd) => imports_cmd(db, cmd, json).await?,
        Command::Signatory(cmd) => signatory(db, cmd, json).await?,
        Command::Export(args) => export(db, args, json).await?,
        Command::Suppress(cmd) => suppress(db, cmd, json).await?,
        Command::Retention(cmd) => crate::vault_cli::retention_cmd(db, cmd, json).await?,
        Command::Db(_) => unreachable!("run handles it"),
        Command::Target(cmd) => crate::appeals::target(db, cmd, json).await?,
        Command::Template(cmd) => crate::appeals::template(db, cmd, json).await?,
        Command::Mailing(cmd) => crate::appeals::mailing(db, cmd, json).await?,
        Command::Smtp(cmd) => crate::sending::smtp(db, cmd, json).await?,
        Command::Mailbox(cmd) => crate::mailbox::run(db, cmd, json).await?,
        Command::Send(args) => crate::sending::send(db, args, json).await?,
        Command::Outbox(cmd) => crate::sending::outbox(db, cmd, json).await?,
    }
    Ok(())
}

async fn import(db: &Db, args: ImportArgs, json: bool) -> Result<()> {
    let mut opts = ImportOptions {
        encoding: args.encoding,
        delimiter: args.delimiter,
        sheet: args.sheet,
        mapping: Vec::new(),
        on_existing: args.on_existing,
        petition_id: petition_id(db, &args.petition).await?,
    };
    if !args.map.is_empty() {
        let headers = imports::headers(&args.file, &opts)?;
        for spec in &args.map {
            opts.mapping
                .push(imports::mapping::parse_override(spec, &headers)?);
        }
    }
    if args.dry_run {
        let preview = imports::preview(db, &args.file, &opts).await?;
        if json {
            return print_json(&preview);
        }
        println!(
            "{}: {} (encoding {}, delimiter {})",
            preview.file_name,
            preview.format.as_str(),
            preview.encoding.as_deref().unwrap_or("-"),
            preview
                .delimiter
                .as_deref()
                .map(|d| if d == "\t" { "tab" } else { d })
                .unwrap_or("-")
        );
        println!("\nmapping:");
        for m in &preview.mapping {
            println!("  {:<30} -> {}", m.header, m.field.name());
        }
        println!("\nfirst rows as they would be stored:");
        for d in &preview.drafts {
            println!("  {}", serde_json::to_string(d)?);
        }
        println!("\ndry run, nothing stored:");
        print_report(&preview.report);
        return Ok(());
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {percent}% {msg} rows, {elapsed} elapsed, ETA {eta}",
        )
        .expect("valid template"),
    );
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let progress = |p: ImportProgress| {
        bar.set_length(p.total_bytes as u64);
        bar.set_position(p.bytes as u64);
        bar.set_message(p.rows.to_string());
    };
    let report = imports::run(db, &args.file, &opts, &progress).await?;
    bar.finish_and_clear();
    if let (Some(out), Some(id)) = (&args.rejects, report.import_id) {
        let n = imports::save_rejects(db, id, out).await?;
        if !json {
            println!("{n} rejected rows written to {}", out.display());
        }
    }
    if json {
        print_json(&report)
    } else {
        println!(
            "import {} of {}",
            report.import_id.unwrap_or_default(),
            args.file.display()
        );
        print_report(&report);
        Ok(())
    }
}

fn print_report(r: &imports::ImportReport) {
    println!(
        "  rows read:  {}\n  imported:   {}\n  updated:    {}\n  duplicates: {}\n  suppressed: {}\n  rejected:   {}",
        r.rows, r.imported, r.updated, r.duplicates, r.suppressed, r.rejected
    );
    for rej in r.rejects.iter().take(20) {
        println!("    line {}: {}", rej.line, rej.reason);
    }
    if r.rejects.len() > 20 {
        println!(
            "    ... and {} more (save them with `appeal imports rejects ID FILE`)",
            r.rejected - 20
        );
    }
    if r.folded > 0 {
        println!(
            "  folded:     {} (line breaks inside one-line cells joined)",
            r.folded
        );
        for f in r.folds.iter().take(20) {
            println!(
                "    line {}: {} {:?} stored as {:?}",
                f.line,
                f.field.name(),
                f.from,
                f.to
            );
        }
        if r.folded > 20 {
            println!(
                "    ... and {} more (the first 1,000 with --json)",
                r.folded - 20
            );
        }
    }
    if !r.kept_as_custom.is_empty() {
        println!(
            "  no petition chosen: {} kept as custom fields of each person (choose a petition with --petition to store them as signatures)",
            r.kept_as_custom
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

async fn imports_cmd(db: &Db, cmd: ImportsCmd, json: bool) -> Result<()> {
    match cmd {
        ImportsCmd::List => {
            let list = imports::list(db).await?;
            if json {
                return print_json(&list);
            }
            for i in list {
                println!(
                    "{:>5}  {}  {}  +{} ~{} ={} suppressed {} rejected {}{}",
                    i.id,
                    i.created_at,
                    i.file_name,
                    i.imported,
                    i.updated,
                    i.duplicates,
                    i.suppressed,
                    i.rejected,
                    i.undone_at
                        .map(|u| format!("  (undone {u})"))
                        .unwrap_or_default()
                );
            }
        }
        ImportsCmd::Undo { id } => {
            let r = imports::undo(db, id).await?;
            if json {
                return print_json(&r);
            }
            println!(
                "import {id} undone: {} people removed, {} restored to their earlier values, {} kept (later imports brought them too), {} signatures removed",
                r.removed, r.restored, r.kept, r.signatures
            );
        }
        ImportsCmd::Rejects { id, out } => {
            let n = imports::save_rejects(db, id, &out).await?;
            if json {
                return print_json(&serde_json::json!({ "rows": n, "path": out }));
            }
            println!("{n} rejected rows written to {}", out.display());
        }
    }
    Ok(())
}

async fn signatory(db: &Db, cmd: SignatoryCmd, json: bool) -> Result<()> {
    match cmd {
        SignatoryCmd::List {
            search,
            petition,
            offset,
            limit,
        } => {
            let q = SignatoryQuery {
                search,
                petition_id: petition_id(db, &petition).await?,
                offset,
                limit,
            };
            let page = signatories::list(db, &q).await?;
            if json {
                return print_json(&page);
            }
            for r in &page.rows {
                let name = format!(
                    "{} {}",
                    r.first_name.as_deref().unwrap_or(""),
                    r.last_name.as_deref().unwrap_or("")
                );
                println!(
                    "{:>8}  {:<30}  {:<34}  {}",
                    r.id,
                    name.trim(),
                    r.email.as_deref().unwrap_or(""),
                    r.town.as_deref().unwrap_or("")
                );
            }
            println!("{} of {} shown", page.rows.len(), page.total);
        }
        SignatoryCmd::Count { search, petition } => {
            let q = SignatoryQuery {
                search,
                petition_id: petition_id(db, &petition).await?,
                offset: 0,
                limit: 1,
            };
            let total = signatories::list(db, &q).await?.total;
            if json {
                print_json(&serde_json::json!({ "total": total }))?
            } else {
                println!("{total}")
            }
        }
        SignatoryCmd::Show { id } => {
            let s = signatories::get(db, id).await?;
            if json {
                print_json(&s)?
            } else {
                println!("{}", serde_json::to_string_pretty(&s)?)
            }
        }
        SignatoryCmd::Edit { id, set } => {
            let mut fields = signatories::get(db, id).await?.fields;
            for spec in &set {
                apply_set(&mut fields, spec)?;
            }
            let s = signatories::update(db, id, &fields).await?;
            if json {
                print_json(&s)?
            } else {
                println!("signatory {id} saved")
            }
        }
        SignatoryCmd::Delete { id } => {
            signatories::delete(db, id).await?;
            if json {
                print_json(&serde_json::json!({ "deleted": id }))?
            } else {
                println!("signatory {id} deleted")
            }
        }
        SignatoryCmd::Erase { id, yes } => {
            let s = signatories::get(db, id).await?;
            if !yes {
                let name = format!(
                    "{} {} <{}>",
                    s.fields.first_name.as_deref().unwrap_or(""),
                    s.fields.last_name.as_deref().unwrap_or(""),
                    s.fields.email.as_deref().unwrap_or("no email")
                );
                eprint!("Erase {} for good? Type 'erase' to confirm: ", name.trim());
                std::io::stderr().flush()?;
                let mut answer = String::new();
                std::io::stdin().lock().read_line(&mut answer)?;
                if answer.trim() != "erase" {
                    bail!("nothing was erased");
                }
            }
            let r = appeal_core::erasure::erase(db, id).await?;
            if json {
                return print_json(&r);
            }
            println!(
                "signatory {id} erased: {} signatures, {} rejected import rows and {} saved earlier versions removed; {}",
                r.signatures,
                r.rejected_rows,
                r.import_changes,
                if r.suppressed {
                    "a salted hash keeps them from being imported or mailed again"
                } else {
                    "nothing to suppress"
                }
            );
            if r.backups_holding > 0 {
                println!(
                    "{} backups in the backup folder still hold them until they are rotated out; restoring one erases them again",
                    r.backups_holding
                );
            }
            if !r.log_cleared {
                eprintln!(
                    "warning: another program kept reading the database, so its write-ahead log still holds the pages as they were before; they go when it is next emptied (at the latest when every program using the database has closed it)"
                );
            }
        }
    }
    Ok(())
}

fn apply_set(f: &mut signatories::SignatoryFields, spec: &str) -> Result<()> {
    let (field, value) = spec
        .split_once('=')
        .with_context(|| format!("--set \"{spec}\" should look like field=value"))?;
    let v = (!value.trim().is_empty()).then(|| value.to_string());
    let slot = match field.trim() {
        "first_name" => &mut f.first_name,
        "last_name" => &mut f.last_name,
        "email" => &mut f.email,
        "phone" => &mut f.phone,
        "street" => &mut f.street,
        "postcode" => &mut f.postcode,
        "town" => &mut f.town,
        "country" => &mut f.country,
        "language" => &mut f.language,
        "consent_at" => &mut f.consent_at,
        "consent_source" => &mut f.consent_source,
        "consent" => {
            // The same words an import understands (yes/no, да/нет, ja/nein, 1/0 ...).
            f.consent = match v.as_deref() {
                None => None,
                Some(word) => match imports::parse_yes_no(word) {
                    Some(yes) => Some(yes),
                    None => bail!("consent '{word}' should be yes, no or empty"),
                },
            };
            return Ok(());
        }
        "subscription" => {
            f.subscription = match value.trim() {
                "subscribed" => Subscription::Subscribed,
                "unsubscribed" => Subscription::Unsubscribed,
                "" | "unknown" => Subscription::Unknown,
                other => {
                    bail!("subscription '{other}' should be subscribed, unsubscribed or unknown")
                }
            };
            return Ok(());
        }
        "tags" => {
            f.tags = value
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            return Ok(());
        }
        custom if custom.starts_with("custom.") => {
            let key = custom["custom.".len()..].to_string();
            match v {
                Some(v) => f.custom.insert(key, v),
                None => f.custom.remove(&key),
            };
            return Ok(());
        }
        other => bail!("'{other}' is not a field you can set"),
    };
    *slot = v;
    Ok(())
}

async fn export(db: &Db, args: ExportArgs, json: bool) -> Result<()> {
    if args.list_columns {
        let cols = appeal_core::export::columns(db).await?;
        if json {
            print_json(&cols)?;
        } else {
            println!(
                "{}",
                cols.join(
                    "
"
                )
            );
        }
        return Ok(());
    }
    let opts = ExportOptions {
        petition_id: petition_id(db, &args.petition).await?,
        preset: if !args.columns.is_empty() {
            ExportPreset::Custom
        } else {
            args.preset
        },
        columns: args.columns,
        bom: args.bom,
    };
    let r = appeal_core::export::export_signatures(db, &args.out, &opts).await?;
    if json {
        print_json(&r)?;
    } else {
        println!(
            "{} rows written to {} ({})",
            r.rows,
            r.path,
            r.columns.join(", ")
        );
    }
    Ok(())
}

async fn suppress(db: &Db, cmd: SuppressCmd, json: bool) -> Result<()> {
    match cmd {
        SuppressCmd::Add { email, reason } => {
            let added = suppression::add(db, &email, reason, true).await?;
            if json {
                print_json(&serde_json::json!({ "added": added }))?
            } else if added {
                println!("{email} suppressed")
            } else {
                println!("{email} was already suppressed")
            }
        }
        SuppressCmd::Check { email } => {
            let on = suppression::contains(db, &email).await?;
            if json {
                print_json(&serde_json::json!({ "suppressed": on }))?
            } else {
                println!("{}", if on { "suppressed" } else { "not suppressed" })
            }
        }
        SuppressCmd::Import { file, reason } => {
            let r = suppression::import_list(db, &file, reason).await?;
            if json {
                print_json(&r)?
            } else {
                println!(
                    "{} added to the suppression list, {} already on it, {} rows without an address",
                    r.added, r.already_listed, r.without_address_count
                );
                for (line, row) in &r.without_address {
                    println!("  line {line}: {row}");
                }
            }
        }
        SuppressCmd::Count => {
            let n = suppression::count(db).await?;
            if json {
                print_json(&serde_json::json!({ "count": n }))?
            } else {
                println!("{n}")
            }
        }
    }
    Ok(())
}
