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
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
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

/// A TLS client trusting the system's certificate authorities and `extra` ones (a group's
/// own CA, or a test's).
pub(crate) fn tls_connector(
    extra: Vec<CertificateDer<'static>>,
) -> Result<tokio_rustls::TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    for c in extra {
        roots
            .add(c)
            .map_err(|e| Error::InvalidInput(format!("the CA file cannot be used: {e}")))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::InvalidInput(format!("TLS cannot be set up: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// How to reach one account's server; built once per send, used by every connection.
pub struct Connector {
    host: String,
    port: u16,
    security: Security,
    /// For TLS and STARTTLS alike: the TLS is ours, so the connection's first EHLO (after
    /// TLS, where STARTTLS needs one before it too) is the only one.
    tls: Option<tokio_rustls::TlsConnector>,
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
        let tls = match d.security {
            Security::Starttls | Security::Tls => Some(tls_connector(extra)?),
            Security::None => None,
        };
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
            tls,
            credentials,
            timeout: Duration::from_secs(d.timeout_seconds.into()),
            hello: ClientId::Domain(domain),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the connection is encrypted: lettre only knows about TLS it set up itself,
    /// and here the TLS is always ours.
    fn encrypted(&self, conn: &AsyncSmtpConnection) -> bool {
        self.tls.is_some() || conn.is_encrypted()
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
        let name = || {
            ServerName::try_from(self.host.clone()).map_err(|_| {
                ConnectError::new(format!(
                    "'{}' cannot be checked against a certificate",
                    self.host
                ))
            })
        };
        // What the server says before the first command lettre sends, kept to read its EHLO
        // reply: lettre keeps only the extensions it knows, and PIPELINING is not one.
        let seen = Arc::new(std::sync::Mutex::new(Some(Vec::new())));
        let stream: Box<dyn AsyncTokioStream> = match (&self.tls, self.security) {
            (Some(tls), Security::Tls) => {
                let s = tls
                    .connect(name()?, tcp)
                    .await
                    .map_err(|e| ConnectError::tls(&self.host, &e.to_string()))?;
                Box::new(Tap::new(TlsTcp(s), seen.clone(), b""))
            }
            (Some(tls), _) => {
                let tcp = self.starttls(tcp, &where_).await?;
                let s = tls
                    .connect(name()?, tcp)
                    .await
                    .map_err(|e| ConnectError::tls(&self.host, &e.to_string()))?;
                // There is no greeting after STARTTLS; lettre expects one before its EHLO.
                Box::new(Tap::new(TlsTcp(s), seen.clone(), b"220 TLS is up\r\n"))
            }
            (None, _) => Box::new(Tap::new(tcp, seen.clone(), b"")),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(|e| ConnectError::smtp(&self.host, &e))?;
        // Taking it stops the keeping: the rest of the session is not wanted.
        let said = seen
            .lock()
            .expect("not poisoned")
            .take()
            .unwrap_or_default();
        let pipelining = String::from_utf8_lossy(&said)
            .lines()
            .filter(|l| l.starts_with("250-") || l.starts_with("250 "))
            .any(|l| l[4..].trim().eq_ignore_ascii_case("PIPELINING"));
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

impl Connector {
    /// Greeting, EHLO and STARTTLS on the plain connection, read and written here, so that
    /// the TLS (and the one EHLO after it) is ours. Anything the server sends past its 220 to
    /// STARTTLS would be read as if it came over TLS: refused (the STARTTLS injection).
    async fn starttls(
        &self,
        tcp: TcpStream,
        where_: &str,
    ) -> std::result::Result<TcpStream, ConnectError> {
        use tokio::io::AsyncWriteExt;
        let mut r = tokio::io::BufReader::new(tcp);
        let lost = |e: io::Error| ConnectError::io(where_, &self.host, &e);
        let (code, _) = read_reply(&mut r).await.map_err(lost)?;
        if code != 220 {
            return Err(ConnectError::new(format!(
                "{where_} greeted with {code} instead of 220: it is not ready for mail"
            )));
        }
        r.get_mut()
            .write_all(format!("EHLO {}\r\n", self.hello).as_bytes())
            .await
            .map_err(lost)?;
        let (code, lines) = read_reply(&mut r).await.map_err(lost)?;
        if code != 250 {
            return Err(ConnectError::new(format!(
                "{where_} refused EHLO ({code} {})",
                lines.join(" ")
            )));
        }
        if !lines
            .iter()
            .any(|l| l.trim().eq_ignore_ascii_case("STARTTLS"))
        {
            return Err(ConnectError::new(format!(
                "{where_} does not offer STARTTLS, and this account requires it; check the port (587 is usual for STARTTLS, 465 for TLS)"
            )));
        }
        r.get_mut().write_all(b"STARTTLS\r\n").await.map_err(lost)?;
        let (code, lines) = read_reply(&mut r).await.map_err(lost)?;
        if code != 220 {
            return Err(ConnectError {
                message: format!("{where_} refused STARTTLS ({code} {})", lines.join(" ")),
                code: Some(code),
            });
        }
        if !r.buffer().is_empty() {
            return Err(ConnectError::new(format!(
                "{where_} sent data after agreeing to STARTTLS, before TLS began; the connection was dropped"
            )));
        }
        Ok(r.into_inner())
    }
}

/// One SMTP reply: its code and the text of each line.
async fn read_reply<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
) -> io::Result<(u16, Vec<String>)> {
    use tokio::io::AsyncBufReadExt;
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("not an SMTP reply: {line:?}"),
                )
            })?;
        lines.push(line.get(4..).unwrap_or("").to_string());
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok((code, lines));
        }
        if lines.len() > 200 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "an SMTP reply of more than 200 lines",
            ));
        }
    }
}

/// A stream that keeps a copy of what it reads while asked to (the shared buffer is `Some`),
/// and first hands out `first` (a greeting where the server sends none).
#[derive(Debug)]
struct Tap<S> {
    inner: S,
    seen: Arc<std::sync::Mutex<Option<Vec<u8>>>>,
    first: &'static [u8],
}

impl<S> Tap<S> {
    fn new(inner: S, seen: Arc<std::sync::Mutex<Option<Vec<u8>>>>, first: &'static [u8]) -> Self {
        Tap { inner, seen, first }
    }
}

impl<S: AsyncTokioStream> AsyncTokioStream for Tap<S> {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.first.is_empty() {
            let n = self.first.len().min(buf.remaining());
            buf.put_slice(&self.first[..n]);
            self.first = &self.first[n..];
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r
            && let Some(seen) = self.seen.lock().expect("not poisoned").as_mut()
            && seen.len() < 64 << 10
        {
            seen.extend_from_slice(&buf.filled()[before..]);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
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
