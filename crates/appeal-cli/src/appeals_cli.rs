//! The drafter's commands: targets, templates, mailings and hand-over exports.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum TargetCmd {
    Add {
        #[arg(long)]
        campaign: String,
        #[command(flatten)]
        fields: TargetArgs,
    },
    List {
        #[arg(long)]
        campaign: String,
    },
    Edit {
        id: i64,
        #[command(flatten)]
        fields: TargetArgs,
    },
    Delete {
        id: i64,
    },
    /// Import targets from a CSV/XLSX/ODS file (name, title, organisation, email, address, country, language, form of address).
    Import {
        #[arg(long)]
        campaign: String,
        file: PathBuf,
    },
    Export {
        #[arg(long)]
        campaign: String,
        out: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct TargetArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub organisation: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Postal address; separate lines with "\n".
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long)]
    pub language: Option<String>,
    /// e.g. "Dear Prosecutor General".
    #[arg(long)]
    pub form_of_address: Option<String>,
}

#[derive(Subcommand)]
pub enum TemplateCmd {
    /// Create a template with its first language variant.
    Add {
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        subject: String,
        /// The Markdown body with Jinja2 merge fields.
        #[arg(long)]
        body_file: PathBuf,
        /// Attach a file to every letter: an absolute path, may hold merge fields (repeatable).
        #[arg(long = "attach", value_name = "PATH")]
        attach: Vec<String>,
    },
    /// Add or replace one language variant from a file.
    Edit {
        id: i64,
        #[arg(long)]
        lang: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        body_file: PathBuf,
        /// Make this language the fallback for recipients of other languages.
        #[arg(long)]
        fallback: bool,
        /// Replace the attachments: absolute paths, may hold merge fields (repeatable).
        #[arg(long = "attach", value_name = "PATH")]
        attach: Option<Vec<String>>,
    },
    List {
        #[arg(long)]
        campaign: String,
    },
    Show {
        id: i64,
    },
    /// The language variants of a template.
    Variants {
        id: i64,
    },
    /// Check every variant: syntax and unknown fields. Exits non-zero on any problem.
    Check {
        id: i64,
    },
    /// Render the template for one signatory and/or target.
    Preview {
        id: i64,
        #[arg(long)]
        signatory: Option<i64>,
        #[arg(long)]
        target: Option<i64>,
    },
    /// The merge fields that exist.
    Fields {
        #[arg(long)]
        campaign: String,
    },
    Delete {
        id: i64,
    },
}

#[derive(Subcommand)]
// Parsed once per run; the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum MailingCmd {
    Create {
        #[arg(long)]
        campaign: String,
        /// Template id.
        #[arg(long)]
        template: i64,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        audience: appeal_core::mailings::AudienceKind,
        #[arg(long)]
        petition: Option<String>,
        /// Whose consent letters to supporters need: only people who said yes (the default),
        /// also those whose consent is not known, or everyone, also people who said no.
        /// Letters on a signatory's behalf to a target follow the petition's terms instead.
        #[arg(long, value_enum, default_value = "given")]
        consent: appeal_core::mailings::Consent,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        country: Option<String>,
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        from_name: String,
        #[arg(long)]
        from_address: String,
        #[arg(long)]
        reply_to: Option<String>,
        /// The group's unsubscribe page (https), for letters to supporters: letters carry it
        /// as a one-click List-Unsubscribe (RFC 8058) beside the mailto, with the
        /// supporter's address added as its `email` parameter.
        #[arg(long, value_name = "HTTPS_URL")]
        unsubscribe_url: Option<String>,
    },
    List {
        #[arg(long)]
        campaign: String,
    },
    /// Every problem in the audience, with the recipient it comes from. Exits non-zero on any.
    Check {
        id: i64,
    },
    /// Render every message into the outbox (one transaction).
    Merge {
        id: i64,
        /// Leave out recipients with problems instead of refusing.
        #[arg(long)]
        exclude_problems: bool,
    },
    Messages {
        id: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One merged message, whole.
    Message {
        id: i64,
    },
    /// Hand over without SMTP: csv (to, reply_to, subject, text, html), eml (a folder of
    /// .eml files), mailto (links that open a mail program) or pdf (printable letters).
    Export {
        id: i64,
        #[arg(long, value_enum)]
        format: appeal_core::mailings::handover::HandoverFormat,
        out: PathBuf,
    },
    Delete {
        id: i64,
    },
}
