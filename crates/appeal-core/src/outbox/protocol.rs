//! One letter's SMTP transaction on a connection: MAIL, RCPT and DATA (pipelined where the
//! server allows), the final dot recorded before it is written, and what each reply means.

use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};

use super::build::Built;
use super::dots::Journal;
use crate::smtp::connect::Conn;

pub(super) enum Outcome {
    Sent {
        code: u16,
        reply: String,
        queue_id: Option<String>,
    },
    Deferred {
        code: Option<u16>,
        reply: String,
    },
    Failed {
        code: Option<u16>,
        reply: String,
    },
    Uncertain {
        reply: String,
    },
}

/// How long to wait for the reply to the final dot: RFC 5321 4.5.3.2.6 suggests 10 minutes,
/// since the server may scan the letter before answering. Other replies keep the account's
/// (short) timeout.
pub(super) const FINAL_DOT_TIMEOUT: Duration = Duration::from_secs(600);

pub(super) fn words(e: &lettre::transport::smtp::Error) -> (Option<u16>, String) {
    let code = e.status().map(u16::from);
    let text = std::error::Error::source(e).map_or_else(|| e.to_string(), |s| s.to_string());
    match code {
        Some(c) => (Some(c), format!("{c} {text}")),
        None => (None, e.to_string()),
    }
}

/// The queue id in the common forms of the reply to the final dot: "queued as 4B7C1A"
/// (Postfix), "Queued As X", "queued as: X", "queued as <X>", "InternalId=X" (Exchange),
/// "OK id=1qX…" (Exim).
pub(super) fn queue_id(reply: &str) -> Option<String> {
    let lower = reply.to_ascii_lowercase();
    let after = ["queued as", "internalid=", "id="]
        .iter()
        .find_map(|marker| {
            lower
                .find(marker)
                .map(|i| reply[i + marker.len()..].trim_start_matches([' ', ':', '<']))
        })?;
    let id: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-._@".contains(*c))
        .collect();
    (!id.is_empty()).then_some(id)
}

/// How one step of the transaction went.
pub(super) enum Step {
    Ok,
    /// The server refused, with a code: the connection is still in step.
    Refused(lettre::transport::smtp::Error),
    /// No usable reply: connection lost, timed out, or garbled.
    Lost(String),
}

pub(super) async fn step<F>(limit: Duration, f: F) -> Step
where
    F: std::future::Future<
            Output = std::result::Result<
                lettre::transport::smtp::response::Response,
                lettre::transport::smtp::Error,
            >,
        >,
{
    match tokio::time::timeout(limit, f).await {
        Err(_) => Step::Lost(format!("no reply within {} s", limit.as_secs())),
        Ok(Ok(_)) => Step::Ok,
        Ok(Err(e)) if e.status().is_some() => Step::Refused(e),
        Ok(Err(e)) => Step::Lost(e.to_string()),
    }
}

/// The letter as DATA content: dot-stuffed (RFC 5321 4.5.2) and ended, for one write.
pub(super) fn data_block(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut out = String::with_capacity(text.len() + 64);
    if text.starts_with('.') {
        out.push('.');
    }
    out.push_str(&text.replace("\r\n.", "\r\n.."));
    out.push_str("\r\n.\r\n");
    Some(out)
}

/// One message's SMTP transaction; returns the outcome and whether the connection is fit
/// for the next message. With PIPELINING, MAIL, RCPT and DATA go in one write and the
/// letter with its final dot in another: two round trips instead of four. With `mark`, the
/// final dot goes out only once it is recorded that it is about to (see [`recover`]).
pub(super) async fn transaction(
    conn: &mut Conn,
    m: &Built,
    limit: Duration,
    mark: Option<(&Journal, super::dots::Mark)>,
) -> (Outcome, bool) {
    let mut params = Vec::new();
    let smtp = &mut conn.smtp;
    if !m.bytes.is_ascii() && smtp.server_info().supports_feature(Extension::EightBitMime) {
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = Mail::new(m.envelope.from().cloned(), params).to_string();
    let rcpt = Rcpt::new(m.envelope.to()[0].clone(), vec![]).to_string();
    let data = Data.to_string();
    let mut steps: Vec<(&str, Step)> = Vec::with_capacity(3);
    if conn.pipelining {
        let first = step(
            limit,
            smtp.command(RawCommand(format!("{mail}{rcpt}{data}"))),
        )
        .await;
        let lost = matches!(first, Step::Lost(_));
        steps.push(("MAIL", first));
        if !lost {
            for stage in ["RCPT", "DATA"] {
                let s = step(limit, smtp.read_response()).await;
                let lost = matches!(s, Step::Lost(_));
                steps.push((stage, s));
                if lost {
                    break;
                }
            }
        }
    } else {
        for (stage, command) in [("MAIL", mail), ("RCPT", rcpt), ("DATA", data)] {
            let s = step(limit, smtp.command(RawCommand(command))).await;
            let stop = !matches!(s, Step::Ok);
            steps.push((stage, s));
            if stop {
                break;
            }
        }
    }
    // The first step that did not go well decides; every reply has been read by now.
    let in_data = steps.len() == 3 && matches!(steps[2].1, Step::Ok);
    if let Some((stage, s)) = steps.iter().find(|(_, s)| !matches!(s, Step::Ok)) {
        return match s {
            Step::Lost(why) => (
                Outcome::Deferred {
                    code: None,
                    reply: format!(
                        "connection lost at {stage}, before the letter was handed over: {why}"
                    ),
                },
                false,
            ),
            // A server that said 354 although a recipient was refused is waiting for data
            // we will not send: drop the connection rather than send an empty letter.
            Step::Refused(e) => refused(smtp, e, stage, !in_data, limit).await,
            Step::Ok => unreachable!("found a step that is not Ok"),
        };
    }
    if let Some((journal, mark)) = mark
        && !journal.record(mark).await
    {
        // The server waits for data we will not send: drop the connection, so it discards
        // what it has; the letter was never handed over.
        return (
            Outcome::Deferred {
                code: None,
                reply: "not sent: the send could not be recorded in the database".into(),
            },
            false,
        );
    }
    let limit = FINAL_DOT_TIMEOUT.max(limit);
    let sent = match data_block(&m.bytes) {
        Some(block) => tokio::time::timeout(limit, smtp.command(RawCommand(block))).await,
        None => tokio::time::timeout(limit, smtp.message(&m.bytes)).await,
    };
    match sent {
        Err(_) => (
            Outcome::Uncertain {
                reply: format!(
                    "no reply within {} minutes after the letter was handed over; it may have arrived",
                    limit.as_secs() / 60
                ),
            },
            false,
        ),
        Ok(Ok(r)) => {
            let text = r.message().collect::<Vec<_>>().join(" ");
            let code = u16::from(r.code());
            (
                Outcome::Sent {
                    code,
                    queue_id: queue_id(&text),
                    reply: format!("{code} {text}"),
                },
                true,
            )
        }
        Ok(Err(e)) => {
            let (code, reply) = words(&e);
            match code {
                Some(_) => refused(smtp, &e, "end of data", true, limit).await,
                None => (
                    Outcome::Uncertain {
                        reply: format!(
                            "the connection was lost after the letter was handed over; it may have arrived ({reply})"
                        ),
                    },
                    false,
                ),
            }
        }
    }
}

/// A definite refusal: 5xx fails, 4xx is deferred; RSET readies the connection for the
/// next letter unless the server is closing it (421) or `may_keep` is false.
pub(super) async fn refused(
    smtp: &mut AsyncSmtpConnection,
    e: &lettre::transport::smtp::Error,
    stage: &str,
    may_keep: bool,
    limit: Duration,
) -> (Outcome, bool) {
    let (code, reply) = words(e);
    let keep = may_keep && code != Some(421) && reset(smtp, limit).await;
    let reply = format!("{stage}: {reply}");
    let outcome = if e.is_permanent() {
        Outcome::Failed { code, reply }
    } else {
        Outcome::Deferred { code, reply }
    };
    (outcome, keep)
}

/// RSET after a refused transaction; false when the connection should be dropped.
pub(super) async fn reset(conn: &mut AsyncSmtpConnection, limit: Duration) -> bool {
    matches!(
        tokio::time::timeout(limit, conn.command(Rset)).await,
        Ok(Ok(_))
    )
}

/// A command already rendered to its line.
pub(super) struct RawCommand(String);

impl std::fmt::Display for RawCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::queue_id;

    #[test]
    fn data_is_dot_stuffed_and_ended() {
        assert_eq!(
            super::data_block(b".a\r\nb\r\n.\r\n..c").unwrap(),
            "..a\r\nb\r\n..\r\n...c\r\n.\r\n"
        );
    }

    #[test]
    fn queue_ids_are_read_from_replies() {
        assert_eq!(
            queue_id("2.0.0 Ok: queued as 4B7C1A2F").as_deref(),
            Some("4B7C1A2F")
        );
        assert_eq!(
            queue_id("OK id=1qX9-0003Ab-2c").as_deref(),
            Some("1qX9-0003Ab-2c")
        );
        for reply in [
            "2.0.0 Ok: Queued As 4B7C1A2F",
            "2.0.0 queued as: 4B7C1A2F",
            "2.0.0 Ok: queued as <4B7C1A2F>",
            "2.6.0 <m@x> [InternalId=4B7C1A2F, Hostname=EX01] Queued mail for delivery",
        ] {
            assert_eq!(queue_id(reply).as_deref(), Some("4B7C1A2F"), "{reply}");
        }
        assert_eq!(queue_id("2.0.0 Ok"), None);
    }
}
