//! Opening SMTP connections the way we send: our own TCP stream with TCP_NODELAY (lettre's
//! own pool never sets it and writes the final dot separately, so each message would wait
//! for the server's delayed ACK), TLS verified against the system's roots plus the account's
//! own CA, and AUTH only over an encrypted connection. Failures are explained in words.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use ts_rs::TS;

use super::{Profile, Security};
use crate::error::{Error, Result};

/// The PEM certificates in a CA file, or an error saying why it cannot be used.
pub(crate) fn load_ca(path: &str) -> Result<Vec<CertificateDer<'static>>> {
    crate::db::refuse_own_files(std::path::Path::new(path))?;
    let bytes = std::fs::read(path).map_err(|e| Error::io("read the CA file", path, e))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| {
            Error::InvalidInput(format!(
                "{path} is not a PEM certificate file ({e}); give the CA certificate that begins with -----BEGIN CERTIFICATE-----"
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{path} holds no certificate; give the CA certificate that begins with -----BEGIN CERTIFICATE-----"
        )));
    }
    Ok(certs)
}

/// How to reach one account's server; built once per send, used by every connection.
pub struct Connector {
    host: String,
    port: u16,
    security: Security,
    starttls: Option<TlsParameters>,
    implicit: Option<tokio_rustls::TlsConnector>,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
}

impl Connector {
    pub fn new(profile: &Profile, password: Option<&str>) -> Result<Connector> {
        let d = &profile.draft;
        let extra = match d.ca_file.as_deref().filter(|c| !c.is_empty()) {
            Some(ca) => load_ca(ca)?,
            None => Vec::new(),
        };
        let (mut starttls, mut implicit) = (None, None);
        match d.security {
            Security::Starttls => {
                let mut b = TlsParameters::builder(d.host.clone());
                for c in &extra {
                    b = b.add_root_certificate(Certificate::from_der(c.to_vec()).map_err(|e| {
                        Error::InvalidInput(format!("the CA file cannot be used: {e}"))
                    })?);
                }
                starttls = Some(
                    b.build_rustls()
                        .map_err(|e| Error::InvalidInput(format!("TLS cannot be set up: {e}")))?,
                );
            }
            Security::Tls => {
                let mut roots = rustls::RootCertStore::empty();
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
                for c in extra {
                    roots.add(c).map_err(|e| {
                        Error::InvalidInput(format!("the CA file cannot be used: {e}"))
                    })?;
                }
                let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| Error::InvalidInput(format!("TLS cannot be set up: {e}")))?
                .with_root_certificates(roots)
                .with_no_client_auth();
                implicit = Some(tokio_rustls::TlsConnector::from(Arc::new(config)));
            }
            Security::None => {}
        }
        let credentials = match d.username.as_deref().filter(|u| !u.is_empty()) {
            Some(user) => {
                let pw = password.filter(|p| !p.is_empty()).ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "the SMTP account '{}' needs the password of {user}: store it in the keychain (appeal smtp password) or set APPEAL_SMTP_PASSWORD",
                        d.name
                    ))
                })?;
                Some(Credentials::new(user.to_string(), pw.to_string()))
            }
            None => None,
        };
        let domain = d
            .from_address
            .rsplit_once('@')
            .map_or("localhost", |(_, dom)| dom)
            .trim()
            .to_string();
        Ok(Connector {
            host: d.host.trim().to_string(),
            port: d.port,
            security: d.security,
            starttls,
            implicit,
            credentials,
            timeout: Duration::from_secs(d.timeout_seconds.into()),
            hello: ClientId::Domain(domain),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the connection is encrypted: lettre only knows about TLS it set up itself.
    fn encrypted(&self, conn: &AsyncSmtpConnection) -> bool {
        self.implicit.is_some() || conn.is_encrypted()
    }

    /// Connects, negotiates TLS and authenticates; ready for MAIL FROM.
    pub async fn connect(&self) -> std::result::Result<Conn, ConnectError> {
        match tokio::time::timeout(self.timeout, self.connect_inner()).await {
            Ok(r) => r,
            Err(_) => Err(ConnectError::new(format!(
                "{}:{} did not answer within {} s",
                self.host,
                self.port,
                self.timeout.as_secs()
            ))),
        }
    }

    async fn connect_inner(&self) -> std::result::Result<Conn, ConnectError> {
        let where_ = format!("{}:{}", self.host, self.port);
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| ConnectError::io(&where_, &self.host, &e))?;
        tcp.set_nodelay(true)
            .map_err(|e| ConnectError::io(&where_, &self.host, &e))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.implicit {
            Some(tls) => {
                let name = ServerName::try_from(self.host.clone()).map_err(|_| {
                    ConnectError::new(format!(
                        "'{}' cannot be checked against a certificate",
                        self.host
                    ))
                })?;
                let s = tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| ConnectError::tls(&self.host, &e.to_string()))?;
                Box::new(TlsTcp(s))
            }
            None => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(|e| ConnectError::smtp(&self.host, &e))?;
        if self.security == Security::Starttls {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(ConnectError::new(format!(
                    "{where_} does not offer STARTTLS, and this account requires it; check the port (587 is usual for STARTTLS, 465 for TLS)"
                )));
            }
            let params = self
                .starttls
                .clone()
                .expect("STARTTLS parameters are built");
            conn.starttls(params, &self.hello)
                .await
                .map_err(|e| ConnectError::smtp(&self.host, &e))?;
        }
        // lettre keeps only the extensions it knows; PIPELINING is not one of them, so ask
        // once more (before AUTH, which a new EHLO could reset on some servers).
        let ehlo = conn
            .command(Ehlo::new(self.hello.clone()))
            .await
            .map_err(|e| ConnectError::smtp(&self.host, &e))?;
        let pipelining = ehlo
            .message()
            .any(|l| l.trim().eq_ignore_ascii_case("PIPELINING"));
        if let Some(creds) = &self.credentials {
            if !self.encrypted(&conn) {
                conn.abort().await;
                return Err(ConnectError::new(
                    "the connection is not encrypted, so the password was not sent".into(),
                ));
            }
            conn.auth(&[Mechanism::Plain, Mechanism::Login], creds)
                .await
                .map_err(|e| {
                    let mut err = ConnectError::smtp(&self.host, &e);
                    if err.code.is_some_and(|c| c == 535 || c == 534 || c == 530) {
                        err.message = format!(
                            "the server refused the user name or password ({})",
                            err.message
                        );
                    } else if e.is_client() {
                        err.message = format!(
                            "the server offers no way to log in that Appeal Desk knows (PLAIN or LOGIN): {}",
                            err.message
                        );
                    }
                    err
                })?;
        }
        Ok(Conn {
            smtp: conn,
            pipelining,
        })
    }
}

/// An open, authenticated connection and what the server allows on it.
pub struct Conn {
    pub smtp: AsyncSmtpConnection,
    /// The server takes MAIL, RCPT and DATA in one go (RFC 2920).
    pub pipelining: bool,
}

/// Why a connection could not be made, in words, with the SMTP code when there was one.
#[derive(Debug, Clone)]
pub struct ConnectError {
    pub message: String,
    pub code: Option<u16>,
}

impl ConnectError {
    fn new(message: String) -> Self {
        ConnectError {
            message,
            code: None,
        }
    }

    fn io(where_: &str, host: &str, e: &io::Error) -> Self {
        use io::ErrorKind::*;
        ConnectError::new(match e.kind() {
            ConnectionRefused => format!(
                "nothing answers at {where_} (connection refused): check the host name and port"
            ),
            TimedOut => format!("{where_} did not answer in time"),
            NetworkUnreachable | HostUnreachable => {
                format!("{where_} cannot be reached from this computer ({e}); check the network")
            }
            _ if e.to_string().contains("lookup") || e.to_string().contains("resolve") => format!(
                "the server name '{host}' cannot be found ({e}); check its spelling and the network"
            ),
            _ => format!("cannot connect to {where_}: {e}"),
        })
    }

    fn tls(host: &str, detail: &str) -> Self {
        let message = if detail.contains("UnknownIssuer") || detail.contains("unknown issuer") {
            format!(
                "the certificate of {host} is not trusted (signed by an unknown authority); if the group runs its own mail server, add its CA certificate file to the account ({detail})"
            )
        } else if detail.contains("NotValidForName") {
            format!("the certificate presented is not valid for the name {host} ({detail})")
        } else if detail.contains("Expired") {
            format!("the certificate of {host} has expired ({detail})")
        } else {
            format!("TLS with {host} failed: {detail}")
        };
        ConnectError::new(message)
    }

    fn smtp(host: &str, e: &lettre::transport::smtp::Error) -> Self {
        let text = e.to_string();
        if e.is_tls() || text.contains("certificate") {
            return ConnectError::tls(host, &text);
        }
        if e.is_timeout() {
            return ConnectError::new(format!("{host} stopped answering: {text}"));
        }
        let code = e.status().map(u16::from);
        let detail = std::error::Error::source(e).map_or(text.clone(), |s| s.to_string());
        match code {
            Some(c) => ConnectError {
                message: format!("{c} {detail}"),
                code: Some(c),
            },
            None => ConnectError::new(format!("{host}: {text}")),
        }
    }
}

impl From<ConnectError> for Error {
    fn from(e: ConnectError) -> Self {
        Error::Connection(e.message)
    }
}

/// What "Test connection" found.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TestReport {
    pub server: String,
    pub encrypted: bool,
    pub authenticated: bool,
    pub milliseconds: u64,
}

/// Connects, negotiates TLS, authenticates and quits.
pub async fn test_connection(profile: &Profile, password: Option<&str>) -> Result<TestReport> {
    let started = std::time::Instant::now();
    let connector = Connector::new(profile, password)?;
    let Conn { smtp: mut conn, .. } = connector.connect().await?;
    let report = TestReport {
        server: format!("{}:{}", profile.draft.host, profile.draft.port),
        encrypted: connector.encrypted(&conn),
        authenticated: connector.credentials.is_some(),
        milliseconds: started.elapsed().as_millis() as u64,
    };
    let _ = conn.quit().await;
    Ok(report)
}

/// A TLS stream lettre can drive: our TCP stream (with TCP_NODELAY) under rustls.
#[derive(Debug)]
struct TlsTcp(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for TlsTcp {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsTcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsTcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
