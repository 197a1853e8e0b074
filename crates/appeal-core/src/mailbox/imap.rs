//! Talking IMAP: connecting over TLS or STARTTLS with our own rustls set-up, each step under
//! a time limit, the connection test, and putting processed mail away.

use async_imap::Client;
use futures_util::TryStreamExt;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use ts_rs::TS;

use super::*;
use crate::error::{Error, Result};

pub(super) type Stream = Box<dyn AsyncStream>;
pub(super) trait AsyncStream:
    tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug
{
}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug> AsyncStream
    for T
{
}

pub(super) type Session = async_imap::Session<Stream>;

pub(super) async fn step<T, E: std::fmt::Display>(
    what: &str,
    host: &str,
    f: impl std::future::Future<Output = std::result::Result<T, E>>,
) -> Result<T> {
    match tokio::time::timeout(TIMEOUT, f).await {
        Err(_) => Err(Error::Connection(format!(
            "{host} did not answer within {} s ({what})",
            TIMEOUT.as_secs()
        ))),
        Ok(Err(e)) => Err(Error::Connection(format!("{host}: cannot {what}: {e}"))),
        Ok(Ok(v)) => Ok(v),
    }
}

/// Connects, secures the connection and logs in.
pub(super) async fn connect(m: &MailboxAccount, password: &str) -> Result<Session> {
    let d = &m.draft;
    let host = d.host.as_str();
    let extra = match d.ca_file.as_deref().filter(|c| !c.is_empty()) {
        Some(ca) => crate::smtp::connect::load_ca(ca)?,
        None => Vec::new(),
    };
    let tls = crate::smtp::connect::tls_connector(extra)?;
    let name = ServerName::try_from(host.to_string()).map_err(|_| {
        Error::InvalidInput(format!("'{host}' cannot be checked against a certificate"))
    })?;
    let tcp = step("connect", host, TcpStream::connect((host, d.port))).await?;
    let secured: Stream = match d.security {
        MailboxSecurity::Tls => {
            let s = step("set up TLS", host, tls.connect(name, tcp))
                .await
                .map_err(tls_words)?;
            let mut c = Client::new(Box::new(s) as Stream);
            greeting(&mut c, host).await?;
            c.into_inner()
        }
        MailboxSecurity::Starttls => {
            let mut c = Client::new(tcp);
            greeting(&mut c, host).await?;
            step(
                "start TLS (STARTTLS)",
                host,
                c.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            let tcp = c.into_inner();
            let s = step("set up TLS", host, tls.connect(name, tcp))
                .await
                .map_err(tls_words)?;
            Box::new(s)
        }
    };
    let client = Client::new(secured);
    match tokio::time::timeout(TIMEOUT, client.login(&d.username, password)).await {
        Err(_) => Err(Error::Connection(format!(
            "{host} did not answer the login"
        ))),
        Ok(Err((e, _))) => Err(Error::Connection(format!(
            "{host} refused the user name or password of {} ({e})",
            d.username
        ))),
        Ok(Ok(s)) => Ok(s),
    }
}

pub(super) fn tls_words(e: Error) -> Error {
    match e {
        Error::Connection(m) => Error::Connection(format!(
            "{m}. If the server uses its own certificate, give its CA file in the mailbox settings"
        )),
        e => e,
    }
}

pub(super) async fn greeting<T>(c: &mut Client<T>, host: &str) -> Result<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    match tokio::time::timeout(TIMEOUT, c.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(Error::Connection(format!(
            "{host} closed the connection without a greeting"
        ))),
        Ok(Err(e)) => Err(Error::Connection(format!("{host}: no IMAP greeting: {e}"))),
        Err(_) => Err(Error::Connection(format!(
            "{host} sent no greeting within {} s",
            TIMEOUT.as_secs()
        ))),
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MailboxTest {
    /// Mails in the folder that is read.
    pub messages: u32,
    pub folder: String,
}

/// Logs in and opens the folder (read-only): proves the settings and the password.
pub async fn test(m: &MailboxAccount, password: &str) -> Result<MailboxTest> {
    let mut s = connect(m, password).await?;
    let host = &m.draft.host;
    let folder = step("open the folder", host, s.examine(&m.draft.folder)).await?;
    let _ = tokio::time::timeout(TIMEOUT, s.logout()).await;
    Ok(MailboxTest {
        messages: folder.exists,
        folder: m.draft.folder.clone(),
    })
}

/// Moves the processed mails to the processed folder (created if missing), or flags them.
pub(super) async fn put_away(s: &mut Session, m: &MailboxAccount, uids: &[u32]) -> Result<i64> {
    if uids.is_empty() {
        return Ok(0);
    }
    let host = &m.draft.host;
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    match &m.draft.processed_folder {
        Some(folder) => {
            // CREATE fails when the folder exists; the MOVE below says if it really is missing.
            // (async-imap quotes folder names itself.)
            let _ = tokio::time::timeout(TIMEOUT, s.create(folder)).await;
            step(
                &format!("move processed mail to '{folder}'"),
                host,
                s.uid_mv(&set, folder),
            )
            .await?;
        }
        None => {
            let flagged: Vec<_> = step("flag processed mail", host, async {
                s.uid_store(&set, format!("+FLAGS ({PROCESSED_FLAG})"))
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
            drop(flagged);
        }
    }
    Ok(uids.len() as i64)
}
