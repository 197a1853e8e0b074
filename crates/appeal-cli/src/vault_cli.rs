//! `appeal db …` and `appeal retention …`: the database's safe keeping, and how every other
//! command opens an encrypted database.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use appeal_core::vault::{self, FileState, Unlock, backup};
use appeal_core::{Db, campaigns, retention};
use clap::Subcommand;
use serde::Serialize;
use zeroize::Zeroizing;

#[derive(Subcommand)]
pub enum DbCmd {
    /// Path, encrypted or not, remembered, last backup, supporters due for purging.
    Status,
    /// Create a new encrypted database: asks for a passphrase, prints the recovery key once.
    Init {
        /// Also remember the key in this computer's keychain.
        #[arg(long)]
        remember: bool,
    },
    /// Encrypt an existing plaintext database in place (nothing else may have it open).
    Encrypt {
        #[arg(long)]
        remember: bool,
    },
    /// Change the passphrase (the new one from APPEAL_NEW_PASSPHRASE, --new-passphrase-file
    /// or the prompt). The old one stops working.
    Passphrase {
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Make a new recovery key and print it; the old one stops working.
    RecoveryKey,
    /// Re-encrypt the file with a new data key; prints a new recovery key.
    RotateKey,
    /// Remember the key in this computer's keychain.
    Remember,
    /// Forget a remembered key: the passphrase or recovery key is needed again.
    Lock,
    /// Write an encrypted backup (and its key file, FILE.keys) while the app may be in use.
    Backup { file: PathBuf },
    /// The automatic backups in the backup folder, newest first.
    Backups,
    /// Where and how often to back up by itself (the app does it; so does `db backup --due`).
    AutoBackup {
        /// The folder (a USB stick, a second disk); "off" stops automatic backups.
        #[arg(long)]
        folder: Option<String>,
        #[arg(long)]
        every_hours: Option<u32>,
        #[arg(long)]
        keep: Option<u32>,
        /// Take a backup now if one is due.
        #[arg(long)]
        run: bool,
    },
    /// Replace the database with a backup: checked first, the current one kept as a backup,
    /// and everyone erased since erased again.
    Restore { file: PathBuf },
}

#[derive(Subcommand)]
pub enum RetentionCmd {
    /// Each campaign's period and how many supporters are due.
    Show,
    /// Set a campaign's period in months, or "off".
    Set { campaign: String, months: String },
    /// Erase everyone due (with --dry-run, only say who and how many).
    Purge {
        #[arg(long)]
        dry_run: bool,
    },
}

/// Said before an export writes: the file leaves the encrypted database.
pub fn personal_data_notice(out: &Path) {
    eprintln!(
        "note: {} will hold supporters' personal data unencrypted, outside the database (readable by you only); keep it safe and delete it once delivered",
        out.display()
    );
}

fn print_json<T: Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Reads a secret from a file: its first line.
fn read_secret_file(path: &Path) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
    );
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or("").to_string(),
    ))
}

/// Where the passphrase comes from without a prompt: APPEAL_PASSPHRASE, then --passphrase-file.
fn given_passphrase(file: Option<&Path>) -> Result<Option<Zeroizing<String>>> {
    if let Ok(p) = std::env::var("APPEAL_PASSPHRASE")
        && !p.is_empty()
    {
        return Ok(Some(Zeroizing::new(p)));
    }
    file.map(read_secret_file).transpose()
}

/// How this run unlocks `path`: a passphrase or recovery key given, the keychain when it
/// remembers, else the prompt (three tries, waiting longer after each wrong one).
pub async fn unlock(path: &Path, passphrase_file: Option<&Path>) -> Result<Db> {
    if let Some(p) = given_passphrase(passphrase_file)? {
        return Ok(vault::unlock(path, Unlock::Passphrase(p)).await?);
    }
    if let Ok(r) = std::env::var("APPEAL_RECOVERY_KEY") {
        return Ok(vault::unlock(path, Unlock::RecoveryKey(Zeroizing::new(r))).await?);
    }
    if vault::status(path)?.remembered {
        match vault::unlock(path, Unlock::Remembered).await {
            Ok(db) => return Ok(db),
            Err(e) => eprintln!("{e}"),
        }
    }
    if !std::io::stdin().is_terminal() {
        return Err(appeal_core::Error::Locked(format!(
            "{} is encrypted: give its passphrase in APPEAL_PASSPHRASE or with --passphrase-file, or its recovery key in APPEAL_RECOVERY_KEY",
            path.display()
        ))
        .into());
    }
    let mut wait = 1;
    for attempt in 1..=3 {
        let p = Zeroizing::new(rpassword::prompt_password(format!(
            "passphrase for {}: ",
            path.display()
        ))?);
        match vault::unlock(path, Unlock::Passphrase(p)).await {
            Ok(db) => return Ok(db),
            Err(e @ appeal_core::Error::WrongKey(_)) if attempt < 3 => {
                eprintln!("{e}");
                std::thread::sleep(std::time::Duration::from_secs(wait));
                wait *= 2;
            }
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the third attempt returns")
}

/// Opens the database for any command: encrypted ones are unlocked, plaintext ones opened
/// with a warning, and a missing one is not made up (`appeal db init` makes it).
pub async fn open(path: &Path, passphrase_file: Option<&Path>) -> Result<Db> {
    match vault::file_state(path)? {
        FileState::Encrypted => unlock(path, passphrase_file).await,
        FileState::Plaintext => {
            eprintln!(
                "warning: {} is not encrypted; anyone with the file can read the list. Encrypt it with `appeal db encrypt`",
                path.display()
            );
            Ok(Db::open(path).await?)
        }
        FileState::Missing => bail!(
            "there is no database at {} yet; create one with `appeal db init` (or start the app)",
            path.display()
        ),
    }
}

/// A new passphrase: given, or typed twice and checked for strength.
fn new_passphrase(file: Option<&Path>, env: &str) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(env)
        && !p.is_empty()
    {
        return Ok(Zeroizing::new(p));
    }
    if let Some(f) = file {
        return read_secret_file(f);
    }
    if !std::io::stdin().is_terminal() {
        bail!("give the new passphrase in {env} or with a file option, or run this in a terminal");
    }
    loop {
        let first = Zeroizing::new(rpassword::prompt_password("new passphrase: ")?);
        let s = vault::strength(&first);
        if !s.acceptable {
            eprintln!(
                "too weak (guessed in {}): {}",
                s.crack_time,
                s.warning
                    .or_else(|| s.suggestions.first().cloned())
                    .unwrap_or_default()
            );
            continue;
        }
        let again = Zeroizing::new(rpassword::prompt_password("the same again: ")?);
        if *first == *again {
            return Ok(first);
        }
        eprintln!("the two differ; try again");
    }
}

fn show_recovery(keys: &vault::NewKeys, json: bool) -> Result<()> {
    if json {
        return print_json(keys);
    }
    println!(
        "Recovery key (shown once; write it on paper and keep it apart from this computer):\n"
    );
    println!("    {}\n", keys.recovery_key);
    println!(
        "It opens the database if the passphrase is forgotten: appeal db … with APPEAL_RECOVERY_KEY set, or \"Use the recovery key\" in the app."
    );
    Ok(())
}

/// The `db` commands that do not work on an open database first.
pub async fn db(path: &Path, passphrase_file: Option<&Path>, cmd: DbCmd, json: bool) -> Result<()> {
    match cmd {
        DbCmd::Init { remember } => {
            let pass = match given_passphrase(passphrase_file)? {
                Some(p) => p,
                None => new_passphrase(None, "APPEAL_PASSPHRASE")?,
            };
            let (db, keys) = vault::create(path, &pass, remember).await?;
            db.close().await;
            if !json {
                println!("created the encrypted database {}", path.display());
            }
            show_recovery(&keys, json)
        }
        DbCmd::Encrypt { remember } => {
            let pass = match given_passphrase(passphrase_file)? {
                Some(p) => p,
                None => new_passphrase(None, "APPEAL_PASSPHRASE")?,
            };
            let keys = vault::encrypt(path, &pass, remember).await?;
            if !json {
                println!(
                    "encrypted {} in place; the plaintext file was overwritten and removed",
                    path.display()
                );
                println!(
                    "Copies made earlier (backups, synced folders) and blocks an SSD kept elsewhere cannot be reached from here; delete such copies yourself.\n"
                );
            }
            show_recovery(&keys, json)
        }
        DbCmd::Passphrase {
            new_passphrase_file,
        } => {
            let current = current_unlock(passphrase_file)?;
            let new = new_passphrase(new_passphrase_file.as_deref(), "APPEAL_NEW_PASSPHRASE")?;
            vault::change_passphrase(path, current, &new).await?;
            if json {
                print_json(&serde_json::json!({"changed": true}))
            } else {
                println!(
                    "the passphrase is changed; the old one no longer opens {}",
                    path.display()
                );
                Ok(())
            }
        }
        DbCmd::RecoveryKey => {
            let keys = vault::new_recovery_key(path, current_unlock(passphrase_file)?).await?;
            show_recovery(&keys, json)
        }
        DbCmd::RotateKey => {
            let pass = match given_passphrase(passphrase_file)? {
                Some(p) => p,
                None => Zeroizing::new(rpassword::prompt_password("passphrase: ")?),
            };
            let keys = vault::rotate_key(path, &pass).await?;
            if !json {
                println!(
                    "the database is re-encrypted with a new key; the old recovery key no longer opens it\n"
                );
            }
            show_recovery(&keys, json)
        }
        DbCmd::Remember => {
            vault::remember(path, current_unlock(passphrase_file)?).await?;
            if !json {
                println!(
                    "this computer's keychain now remembers the key to {}",
                    path.display()
                );
            }
            Ok(())
        }
        DbCmd::Lock => {
            let forgot = vault::forget(path).await?;
            if json {
                print_json(&serde_json::json!({"forgotten": forgot}))
            } else {
                println!(
                    "{}",
                    if forgot {
                        "the remembered key is forgotten; the passphrase or recovery key is needed again"
                    } else {
                        "no key was remembered; every command asks for the passphrase"
                    }
                );
                Ok(())
            }
        }
        DbCmd::Restore { file } => {
            let db = open(path, passphrase_file).await?;
            // For a backup taken with an earlier key: the passphrase or recovery key of its day.
            let secret = match given_passphrase(passphrase_file)? {
                Some(p) => Some(Unlock::Passphrase(p)),
                None => std::env::var("APPEAL_RECOVERY_KEY")
                    .ok()
                    .map(|r| Unlock::RecoveryKey(Zeroizing::new(r))),
            };
            let report = backup::restore(db, &file, secret).await?;
            if json {
                print_json(&report)
            } else {
                println!(
                    "restored {} ({} people); the database as it was is kept as {}",
                    report.restored_from, report.signatories, report.previous_kept_as
                );
                println!(
                    "{} people erased since that backup were erased again; {} suppression entries carried over",
                    report.erased_again, report.suppressions_carried
                );
                Ok(())
            }
        }
        other => {
            let db = open(path, passphrase_file).await?;
            let out = on_open(&db, other, json).await;
            db.close().await;
            out
        }
    }
}

/// The current passphrase or recovery key, for changing keys (never the remembered key).
fn current_unlock(passphrase_file: Option<&Path>) -> Result<Unlock> {
    if let Some(p) = given_passphrase(passphrase_file)? {
        return Ok(Unlock::Passphrase(p));
    }
    if let Ok(r) = std::env::var("APPEAL_RECOVERY_KEY") {
        return Ok(Unlock::RecoveryKey(Zeroizing::new(r)));
    }
    if std::io::stdin().is_terminal() {
        return Ok(Unlock::Passphrase(Zeroizing::new(
            rpassword::prompt_password("current passphrase: ")?,
        )));
    }
    bail!(
        "give the current passphrase in APPEAL_PASSPHRASE or with --passphrase-file, or the recovery key in APPEAL_RECOVERY_KEY"
    )
}

#[derive(Serialize)]
struct Status {
    #[serde(flatten)]
    vault: vault::VaultStatus,
    last_backup: Option<String>,
    backup: backup::BackupSettings,
    retention_due: i64,
}

async fn on_open(db: &Db, cmd: DbCmd, json: bool) -> Result<()> {
    match cmd {
        DbCmd::Status => {
            let status = Status {
                vault: vault::status(db.path())?,
                last_backup: backup::last_backup(db).await?,
                backup: backup::settings(db).await?,
                retention_due: retention::due(db).await?.len() as i64,
            };
            if json {
                return print_json(&status);
            }
            println!("database:    {}", status.vault.path);
            println!(
                "encrypted:   {}",
                match status.vault.state {
                    FileState::Encrypted => "yes (SQLCipher)",
                    _ => "NO: run `appeal db encrypt`",
                }
            );
            println!(
                "remembered:  {}",
                if status.vault.remembered {
                    "yes, in this computer's keychain"
                } else {
                    "no"
                }
            );
            println!(
                "last backup: {}",
                status.last_backup.as_deref().unwrap_or("never")
            );
            match &status.backup.folder {
                Some(f) => println!(
                    "auto backup: every {} h to {f}, keeping {}",
                    status.backup.every_hours, status.backup.keep
                ),
                None => println!("auto backup: off (appeal db auto-backup --folder DIR)"),
            }
            println!(
                "retention:   {} supporters due for purging",
                status.retention_due
            );
            Ok(())
        }
        DbCmd::Backup { file } => {
            let made = backup::backup(db, &file).await?;
            if json {
                print_json(&made)
            } else {
                println!(
                    "backed up to {} ({} bytes) with its key file {}; it opens with today's passphrase or recovery key",
                    made.path,
                    made.bytes,
                    vault::envelope_path(Path::new(&made.path)).display()
                );
                Ok(())
            }
        }
        DbCmd::Backups => {
            let settings = backup::settings(db).await?;
            let Some(folder) = settings.folder else {
                bail!("no backup folder is set; set one with `appeal db auto-backup --folder DIR`");
            };
            let list = backup::list(Path::new(&folder))?;
            if json {
                return print_json(&list);
            }
            for b in list {
                println!("{}  {:>12} bytes  {}", b.taken_at, b.bytes, b.path);
            }
            Ok(())
        }
        DbCmd::AutoBackup {
            folder,
            every_hours,
            keep,
            run,
        } => {
            let mut s = backup::settings(db).await?;
            if let Some(f) = folder {
                s.folder = if f == "off" {
                    None
                } else {
                    Some(
                        std::fs::canonicalize(&f)
                            .with_context(|| format!("{f} is not a folder"))?
                            .display()
                            .to_string(),
                    )
                };
            }
            if let Some(h) = every_hours {
                s.every_hours = h;
            }
            if let Some(k) = keep {
                s.keep = k;
            }
            backup::set_settings(db, &s).await?;
            let made = if run {
                backup::run_due(db).await?
            } else {
                None
            };
            if json {
                return print_json(&serde_json::json!({"settings": s, "made": made}));
            }
            match &s.folder {
                Some(f) => println!(
                    "backs up every {} h to {f}, keeping the last {}",
                    s.every_hours, s.keep
                ),
                None => println!("automatic backups are off"),
            }
            if let Some(m) = made {
                println!("backed up to {}", m.path);
            }
            Ok(())
        }
        _ => unreachable!("handled before opening"),
    }
}

pub async fn retention_cmd(db: &Db, cmd: RetentionCmd, json: bool) -> Result<()> {
    match cmd {
        RetentionCmd::Show => {
            let list = retention::show(db).await?;
            if json {
                return print_json(&list);
            }
            for c in list {
                match c.months {
                    Some(m) => println!(
                        "{:>5}  {}  {m} months, {} due",
                        c.campaign_id, c.campaign, c.due
                    ),
                    None => println!("{:>5}  {}  kept until erased", c.campaign_id, c.campaign),
                }
            }
            Ok(())
        }
        RetentionCmd::Set { campaign, months } => {
            let c = campaigns::find_campaign(db, &campaign).await?;
            let months = match months.as_str() {
                "off" | "none" => None,
                m => Some(
                    m.parse::<i64>()
                        .with_context(|| format!("{m:?} is not a number of months (or \"off\")"))?,
                ),
            };
            retention::set(db, c.id, months).await?;
            if json {
                print_json(&serde_json::json!({"campaign": c.id, "months": months}))
            } else {
                match months {
                    Some(m) => println!(
                        "\"{}\" keeps supporters {m} months after their last activity",
                        c.name
                    ),
                    None => println!("\"{}\" keeps supporters until they are erased", c.name),
                }
                Ok(())
            }
        }
        RetentionCmd::Purge { dry_run } => {
            if dry_run && !json {
                for d in retention::due(db).await? {
                    println!(
                        "{:>7}  {}  {}  last active {}  ({})",
                        d.id,
                        d.name,
                        d.email.as_deref().unwrap_or("-"),
                        d.last_activity,
                        d.campaign
                    );
                }
            }
            let report = retention::purge(db, dry_run).await?;
            if json {
                return print_json(&report);
            }
            let verb = if dry_run { "would erase" } else { "erased" };
            println!(
                "{verb} {} people, {} signatures and {} letters{}",
                report.people,
                report.signatures,
                report.messages,
                if dry_run {
                    String::new()
                } else {
                    format!(
                        "; {} addresses are on the suppression list. Older backups still hold them until rotated out",
                        report.suppressed
                    )
                }
            );
            Ok(())
        }
    }
}
