//! The command line as clap sees it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "appeal",
    version,
    about = "Appeal Desk: signature lists, appeals and letters, on your own machine"
)]
pub struct Cli {
    /// The database file (default: the app's database in your data directory).
    #[arg(long, global = true, env = "APPEAL_DB")]
    pub db: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Read the database's passphrase from the first line of this file (else
    /// APPEAL_PASSPHRASE, the keychain if it remembers, or the prompt).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Where the database is and what it holds.
    Info,
    /// The database's safe keeping: encryption, passphrase, recovery key, backups, restore.
    #[command(subcommand)]
    Db(crate::vault_cli::DbCmd),
    /// How long campaigns keep their supporters, and purging those due.
    #[command(subcommand)]
    Retention(crate::vault_cli::RetentionCmd),
    /// Campaigns: one cause each.
    #[command(subcommand)]
    Campaign(CampaignCmd),
    /// Petitions of a campaign.
    #[command(subcommand)]
    Petition(PetitionCmd),
    /// Import a signature list (CSV/TSV in any common encoding, XLSX, ODS).
    Import(ImportArgs),
    /// Past imports: list, undo, save rejected rows.
    #[command(subcommand)]
    Imports(ImportsCmd),
    /// Browse, edit, delete and erase signatories.
    #[command(subcommand, alias = "signatories")]
    Signatory(SignatoryCmd),
    /// Export signatures as CSV for delivery to a petition's target.
    Export(ExportArgs),
    /// The suppression list: addresses never to be mailed or imported.
    #[command(subcommand)]
    Suppress(SuppressCmd),
    /// Decision-makers to write to.
    #[command(subcommand, alias = "targets")]
    Target(crate::appeals_cli::TargetCmd),
    /// Letter templates: subject and Markdown body with merge fields, per language.
    #[command(subcommand, alias = "templates")]
    Template(crate::appeals_cli::TemplateCmd),
    /// Mailings: a template applied to an audience, merged into the outbox, handed over.
    #[command(subcommand, alias = "mailings")]
    Mailing(crate::appeals_cli::MailingCmd),
    /// SMTP accounts: add, edit, store the password in the keychain, test the connection.
    #[command(subcommand)]
    Smtp(crate::sending_cli::SmtpCmd),
    /// The group's mailbox (IMAP over TLS): unsubscribe requests and bounces, reviewed with
    /// --dry-run, then acted on.
    #[command(subcommand)]
    Mailbox(crate::mailbox::MailboxCmd),
    /// Send a merged mailing through an SMTP account, or one test copy of a letter.
    Send(crate::sending_cli::SendArgs),
    /// The outbox: status, messages by state, retries, uncertain messages, the log.
    #[command(subcommand)]
    Outbox(crate::sending_cli::OutboxCmd),
}

#[derive(Subcommand)]
pub enum CampaignCmd {
    Add { name: String },
    List,
}

#[derive(Subcommand)]
pub enum PetitionCmd {
    Add {
        /// Campaign id or name.
        #[arg(long)]
        campaign: String,
        title: String,
    },
    List {
        #[arg(long)]
        campaign: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Petition id or title the rows signed.
    #[arg(long)]
    pub petition: Option<String>,
    /// Encoding label, e.g. UTF-8, UTF-16LE, windows-1251, windows-1252 (default: detect).
    #[arg(long)]
    pub encoding: Option<String>,
    /// , ; tab or | (default: detect).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Sheet of an XLSX/ODS workbook (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Change the guessed mapping: "Column header=field" (repeatable). Fields: first_name,
    /// last_name, full_name, email, phone, street, postcode, town, country, language, consent,
    /// consent_date, subscription, tags, signed_at, comment, custom, ignore.
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub map: Vec<String>,
    /// What to do with people already stored.
    #[arg(long, value_enum, default_value = "fill-blanks")]
    pub on_existing: appeal_core::imports::OnExisting,
    /// Show the mapping, the first rows and the counts; store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the rejected rows to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum ImportsCmd {
    List,
    /// Take an import back as a whole.
    Undo {
        id: i64,
    },
    /// Write an import's rejected rows to a CSV file, to fix and import again.
    Rejects {
        id: i64,
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum SignatoryCmd {
    List {
        #[arg(long, short)]
        search: Option<String>,
        #[arg(long)]
        petition: Option<String>,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    Count {
        #[arg(long, short)]
        search: Option<String>,
        #[arg(long)]
        petition: Option<String>,
    },
    Show {
        id: i64,
    },
    /// Change fields: --set town=Bremen --set email=... (an empty value clears a field;
    /// custom fields as --set custom.Field=value).
    Edit {
        id: i64,
        #[arg(long = "set", value_name = "FIELD=VALUE", required = true)]
        set: Vec<String>,
    },
    Delete {
        id: i64,
    },
    /// Erase a person on request: every row about them goes, a salted hash stays suppressed.
    Erase {
        id: i64,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(clap::Args)]
pub struct ExportArgs {
    pub out: PathBuf,
    #[arg(long)]
    pub petition: Option<String>,
    #[arg(long, value_enum, default_value = "all")]
    pub preset: appeal_core::export::ExportPreset,
    /// Comma-separated columns (overrides --preset); see `appeal export --list-columns x`.
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Start with a UTF-8 byte-order mark, for Excel.
    #[arg(long)]
    pub bom: bool,
    /// Print the available columns and exit.
    #[arg(long)]
    pub list_columns: bool,
}

#[derive(Subcommand)]
pub enum SuppressCmd {
    Add {
        email: String,
        #[arg(long, value_enum, default_value = "manual")]
        reason: appeal_core::suppression::SuppressionReason,
    },
    Check {
        email: String,
    },
    /// Add every address of an unsubscribe or bounce list (CSV, XLSX, ODS; header optional).
    Import {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "unsubscribed")]
        reason: appeal_core::suppression::SuppressionReason,
    },
    Count,
}
