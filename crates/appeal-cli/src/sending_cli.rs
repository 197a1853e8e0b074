//! The volunteer's commands: SMTP accounts, sending, the outbox.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum SmtpCmd {
    /// Add an account. The password goes to the keychain with `appeal smtp password`.
    Add {
        name: String,
        #[command(flatten)]
        fields: SmtpArgs,
    },
    /// Change an account: only the options given change.
    Edit {
        /// Account id or name.
        account: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: SmtpArgs,
    },
    List,
    Show {
        account: String,
    },
    Delete {
        account: String,
    },
    /// Store the account's password in the OS keychain (asked for, or read from stdin).
    Password {
        account: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        stdin: bool,
    },
    /// Remove the account's password from the keychain.
    Forget {
        account: String,
    },
    /// Connect, negotiate TLS, log in and quit; explains what failed.
    Test {
        account: String,
    },
}

#[derive(clap::Args, Default)]
pub struct SmtpArgs {
    #[arg(long)]
    pub host: Option<String>,
    #[arg(long)]
    pub port: Option<u16>,
    /// tls (port 465), starttls (587) or none (only to this machine).
    #[arg(long, value_enum)]
    pub security: Option<appeal_core::smtp::Security>,
    /// The login name; leave out for a server without login.
    #[arg(long)]
    pub user: Option<String>,
    /// The sender's address (also the envelope sender, where bounces go).
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub from_name: Option<String>,
    #[arg(long)]
    pub reply_to: Option<String>,
    /// A CA certificate (PEM) to trust for the group's own server.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// Connections used at once.
    #[arg(long)]
    pub concurrency: Option<u32>,
    #[arg(long)]
    pub per_second: Option<u32>,
    #[arg(long)]
    pub per_minute: Option<u32>,
    #[arg(long)]
    pub per_hour: Option<u32>,
    #[arg(long)]
    pub per_day: Option<u32>,
    /// Attempts in all before a transiently failing message is given up.
    #[arg(long)]
    pub max_attempts: Option<u32>,
    /// Seconds before the first retry; each next one waits twice as long.
    #[arg(long)]
    pub retry_after: Option<u32>,
    /// Seconds to wait for any server reply.
    #[arg(long)]
    pub timeout: Option<u32>,
    #[arg(long)]
    pub dkim_domain: Option<String>,
    #[arg(long)]
    pub dkim_selector: Option<String>,
    /// PEM private key for DKIM signing.
    #[arg(long)]
    pub dkim_key: Option<PathBuf>,
    /// Remove every rate limit.
    #[arg(long)]
    pub no_limits: bool,
}

#[derive(clap::Args)]
pub struct SendArgs {
    /// Mailing id.
    pub mailing: i64,
    /// SMTP account id or name.
    #[arg(long)]
    pub via: String,
    /// Stop when only deferred messages are left instead of waiting for their retries.
    #[arg(long)]
    pub no_wait: bool,
    /// Send one test copy to this address instead of sending the mailing.
    #[arg(long, value_name = "ADDRESS")]
    pub test: Option<String>,
    /// With --test: the message to copy (default: the mailing's first).
    #[arg(long, requires = "test")]
    pub message: Option<i64>,
}

#[derive(Subcommand)]
pub enum OutboxCmd {
    /// Counts by state; whether the mailing is finished.
    Status { mailing: i64 },
    /// Messages, optionally only those in one state.
    List {
        mailing: i64,
        /// queued, sending, sent, deferred, failed, suppressed, cancelled or uncertain.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Every attempt on one message.
    Log { message: i64 },
    /// Failed messages back to the queue (--failed), deferred ones due now (--deferred).
    Retry {
        mailing: i64,
        #[arg(long)]
        failed: bool,
        #[arg(long)]
        deferred: bool,
    },
    /// Decide on uncertain messages: send again, count as sent, or cancel.
    Resolve {
        mailing: i64,
        #[arg(long, value_enum)]
        action: appeal_core::outbox::Resolution,
        /// Only these message ids (comma-separated); default all uncertain ones.
        #[arg(long, value_delimiter = ',')]
        ids: Vec<i64>,
    },
    /// Cancel everything not yet sent.
    Cancel { mailing: i64 },
    /// The per-recipient log, one row per attempt, as CSV.
    ExportLog { mailing: i64, out: PathBuf },
    /// Sent and failed per minute.
    Chart { mailing: i64 },
}
