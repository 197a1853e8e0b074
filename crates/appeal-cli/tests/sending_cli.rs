//! The volunteer's flow from the command line against real SMTP servers on loopback:
//! accounts, STARTTLS + AUTH, faults, the outbox state machine, crash safety.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::imap::Imap;
use common::smtp::{Server, certificates};
use common::{appeal, ok_json};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;

fn appeal_env(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    common::appeal_command(db)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A campaign whose signatories are `people` (local part at example.org, and a custom
/// "note" the subject carries), a template, a signatories mailing, merged.
fn merged_mailing(db: &Path, people: &[(&str, &str)]) -> i64 {
    let dir = db.parent().unwrap();
    let csv = dir.join("people.csv");
    let mut w = String::from("first_name,last_name,email,town,note,consent\n");
    for (local, note) in people {
        w.push_str(&format!(
            "Anna,Test,{local}@example.org,Berlin,\"{note}\",yes\n"
        ));
    }
    std::fs::write(&csv, w).unwrap();
    ok_json(db, &["campaign", "add", "Free N."]);
    ok_json(
        db,
        &["petition", "add", "--campaign", "Free N.", "Open letter"],
    );
    ok_json(
        db,
        &["import", csv.to_str().unwrap(), "--petition", "Open letter"],
    );
    let body = dir.join("body.md");
    std::fs::write(
        &body,
        "Dear {{ signatory.first_name }},\n\nthank you for signing. **Ещё** письмо.\n",
    )
    .unwrap();
    let t = ok_json(
        db,
        &[
            "template",
            "add",
            "--campaign",
            "Free N.",
            "--name",
            "Thanks",
            "--subject",
            "Спасибо from {{ signatory.custom.note }}",
            "--body-file",
            body.to_str().unwrap(),
        ],
    );
    let m = ok_json(
        db,
        &[
            "mailing",
            "create",
            "--campaign",
            "Free N.",
            "--template",
            &t["id"].to_string(),
            "--name",
            "Thanks",
            "--audience",
            "signatories",
            "--from-name",
            "Free N. Committee",
            "--from-address",
            "letters@free-n.example.org",
            "--reply-to",
            "team@free-n.example.org",
            "--unsubscribe-url",
            "https://free-n.example.org/leave?list=letters",
        ],
    );
    let id = m["id"].as_i64().unwrap();
    let merged = ok_json(db, &["mailing", "merge", &id.to_string()]);
    assert_eq!(merged["messages"], people.len());
    id
}

fn many(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("person{i}"), "Berlin".to_string()))
        .collect()
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

fn add_plain_account(db: &Path, port: u16, extra: &[&str]) {
    let port = port.to_string();
    ok_json(
        db,
        &[
            &[
                "smtp",
                "add",
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--security",
                "none",
                "--from",
                "letters@free-n.example.org",
                "--from-name",
                "Free N.",
                "--retry-after",
                "1",
            ][..],
            extra,
        ]
        .concat(),
    );
}

fn status(db: &Path, mailing: i64) -> Value {
    ok_json(db, &["outbox", "status", &mailing.to_string()])
}

fn log_of(db: &Path, message: i64) -> Vec<Value> {
    ok_json(db, &["outbox", "log", &message.to_string()])
        .as_array()
        .unwrap()
        .clone()
}

/// Outbox rows by recipient address.
fn by_recipient(db: &Path, mailing: i64) -> HashMap<String, Value> {
    let page = ok_json(
        db,
        &["outbox", "list", &mailing.to_string(), "--limit", "1000"],
    );
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let to = r["to"].as_str().unwrap();
            let addr = to
                .rsplit('<')
                .next()
                .unwrap()
                .trim_end_matches('>')
                .to_string();
            (addr, r.clone())
        })
        .collect()
}

#[test]
fn starttls_with_auth_delivers_intact_letters_and_failures_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let certs = certificates(&dir.path().join("certs"));
    let server = Server::start_tls(
        &dir.path().join("rec"),
        &certs,
        &["--auth", "volunteer:correct horse"],
    );
    let mailing = merged_mailing(
        &db,
        &[("anna", "Berlin"), ("boris", "Köln"), ("chen", "Paris")],
    );
    let port = server.port.to_string();
    let ca = certs.join("ca.pem");

    // No password over an unencrypted connection; no unencrypted connection off this machine.
    let o = appeal(
        &db,
        &[
            "smtp",
            "add",
            "x",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "none",
            "--user",
            "v",
            "--from",
            "a@example.org",
        ],
    );
    assert!(
        stderr(&o).contains("never sent over an unencrypted connection"),
        "{}",
        stderr(&o)
    );
    let o = appeal(
        &db,
        &[
            "smtp",
            "add",
            "x",
            "--host",
            "smtp.example.org",
            "--security",
            "none",
            "--from",
            "a@example.org",
        ],
    );
    assert!(
        stderr(&o).contains("only allowed to this machine"),
        "{}",
        stderr(&o)
    );

    // Without the group's CA the certificate is not trusted, and it says so.
    ok_json(
        &db,
        &[
            "smtp",
            "add",
            "group",
            "--host",
            "localhost",
            "--port",
            &port,
            "--security",
            "starttls",
            "--user",
            "volunteer",
            "--from",
            "letters@free-n.example.org",
            "--from-name",
            "Free N.",
        ],
    );
    let pw = [("APPEAL_SMTP_PASSWORD", "correct horse")];
    let o = appeal_env(&db, &["smtp", "test", "group"], &pw);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not trusted"), "{}", stderr(&o));
    let other = certs.join("other-ca.pem");
    ok_json(
        &db,
        &[
            "smtp",
            "edit",
            "group",
            "--ca-file",
            other.to_str().unwrap(),
        ],
    );
    assert!(stderr(&appeal_env(&db, &["smtp", "test", "group"], &pw)).contains("not trusted"));

    ok_json(
        &db,
        &["smtp", "edit", "group", "--ca-file", ca.to_str().unwrap()],
    );
    let o = appeal_env(
        &db,
        &["smtp", "test", "group"],
        &[("APPEAL_SMTP_PASSWORD", "wrong")],
    );
    assert!(
        stderr(&o).contains("refused the user name or password"),
        "{}",
        stderr(&o)
    );
    let o = appeal_env(&db, &["--json", "smtp", "test", "group"], &pw);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (r["encrypted"].as_bool(), r["authenticated"].as_bool()),
        (Some(true), Some(true))
    );

    // Nothing listens on a closed port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    ok_json(
        &db,
        &[
            "smtp",
            "add",
            "nowhere",
            "--host",
            "127.0.0.1",
            "--port",
            &closed.to_string(),
            "--security",
            "none",
            "--from",
            "a@example.org",
        ],
    );
    assert!(stderr(&appeal(&db, &["smtp", "test", "nowhere"])).contains("connection refused"));

    // A test copy: marked, its own Message-ID, the real letter still queued.
    let first = by_recipient(&db, mailing)["anna@example.org"]["id"]
        .as_i64()
        .unwrap();
    let o = appeal_env(
        &db,
        &[
            "send",
            &mailing.to_string(),
            "--via",
            "group",
            "--test",
            "drafter@example.org",
        ],
        &pw,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(server.received().len(), 1);
    let test_copy = MessageParser::default()
        .parse(&server.message(1))
        .unwrap()
        .into_owned();
    assert!(test_copy.subject().unwrap().starts_with("[TEST] "));
    assert_eq!(
        test_copy.header_raw("X-Appeal-Desk-Test").map(str::trim),
        Some("yes")
    );
    assert_eq!(server.received()[0]["rcpt"][0], "drafter@example.org");
    assert_eq!(status(&db, mailing)["counts"]["queued"], 3);
    assert_eq!(log_of(&db, first)[0]["outcome"], "test");

    let o = appeal_env(
        &db,
        &["--json", "send", &mailing.to_string(), "--via", "group"],
        &pw,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = status(&db, mailing);
    assert_eq!(s["finished"], true);
    assert_eq!(s["counts"]["sent"], 3);

    // What arrived is what was merged: parse it back.
    let received = server.received();
    assert_eq!(received.len(), 4);
    // One EHLO before STARTTLS, one after it (RFC 3207 requires it), none more.
    for r in &received {
        assert_eq!(r["ehlo"], 2, "{r}");
    }
    let anna = ok_json(&db, &["mailing", "message", &first.to_string()]);
    let n = received
        .iter()
        .find(|r| r["rcpt"][0] == "anna@example.org")
        .unwrap()["n"]
        .as_u64()
        .unwrap();
    let raw = server.message(n);
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(raw[..end].is_ascii(), "headers are 7-bit");
    let m = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(m.subject(), Some("Спасибо from Berlin"));
    assert_eq!(
        Some(m.message_id().unwrap()),
        anna["message_id"]
            .as_str()
            .map(|s| s.trim_matches(['<', '>']))
    );
    assert!(m.date().is_some());
    let from = m.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (
            Some("Free N. Committee"),
            Some("letters@free-n.example.org")
        )
    );
    assert_eq!(m.content_type().unwrap().subtype(), Some("alternative"));
    assert!(m.body_text(0).unwrap().contains("Ещё"));
    assert!(
        !m.body_text(0).unwrap().contains("**"),
        "the text part reads as text, not as Markdown"
    );
    assert!(m.body_html(0).unwrap().contains("<strong>Ещё</strong>"));
    // The group's page first, for one click (RFC 8058), then the mailbox.
    assert_eq!(
        m.header_raw("List-Unsubscribe")
            .map(|h| h.replace("\r\n ", " ").trim().to_string())
            .as_deref(),
        Some(
            "<https://free-n.example.org/leave?list=letters&email=anna%40example.org>, <mailto:team@free-n.example.org?subject=unsubscribe>"
        )
    );
    assert_eq!(
        m.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        m.body_text(0).unwrap().contains("unsubscribe"),
        "unsubscribe wording in the letter"
    );
    // The log keeps the server's queue id.
    let sent = log_of(&db, first);
    let last = sent.last().unwrap();
    assert_eq!(last["outcome"], "sent");
    assert_eq!(last["queue_id"], received[n as usize - 1]["queue_id"]);
}

#[test]
fn implicit_tls_is_verified_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let certs = certificates(&dir.path().join("certs"));
    let server = Server::start_tls(
        &dir.path().join("rec"),
        &certs,
        &["--implicit-tls", "--auth", "volunteer:pw"],
    );
    let port = server.port.to_string();
    ok_json(
        &db,
        &[
            "smtp",
            "add",
            "smtps",
            "--host",
            "localhost",
            "--port",
            &port,
            "--security",
            "tls",
            "--user",
            "volunteer",
            "--from",
            "letters@free-n.example.org",
        ],
    );
    let pw = [("APPEAL_SMTP_PASSWORD", "pw")];
    assert!(stderr(&appeal_env(&db, &["smtp", "test", "smtps"], &pw)).contains("not trusted"));
    ok_json(
        &db,
        &[
            "smtp",
            "edit",
            "smtps",
            "--ca-file",
            certs.join("ca.pem").to_str().unwrap(),
        ],
    );
    let o = appeal_env(&db, &["smtp", "test", "smtps"], &pw);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn faults_end_in_the_right_states_and_every_attempt_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let server = Server::start(&dir.path().join("rec"), &["--mode", "faults"]);
    let mut people = many(30);
    for p in ["temp-a", "perm-a", "drop-a", "slow-a", "throttle-a"] {
        people.push((p.to_string(), "Berlin".into()));
    }
    let mailing = merged_mailing(&db, &as_refs(&people));
    // A one-second timeout for replies; the reply to the final dot has ten minutes, so the
    // slow server's answer two seconds after the dot still counts.
    add_plain_account(&db, server.port, &["--timeout", "1", "--concurrency", "4"]);

    let o = appeal(
        &db,
        &["--json", "send", &mailing.to_string(), "--via", "local"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = by_recipient(&db, mailing);
    let state = |a: &str| {
        rows[&format!("{a}@example.org")]["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state("temp-a"), "sent");
    assert_eq!(state("slow-a"), "sent");
    assert_eq!(state("throttle-a"), "sent");
    assert_eq!(state("perm-a"), "failed");
    assert_eq!(state("drop-a"), "uncertain");
    // A plain connection says EHLO once, whatever it carries.
    for r in server.received() {
        assert_eq!(r["ehlo"], 1, "{r}");
    }
    for i in 0..30 {
        assert_eq!(state(&format!("person{i}")), "sent");
    }
    assert!(
        rows["perm-a@example.org"]["last_reply"]
            .as_str()
            .unwrap()
            .contains("550 5.1.1")
    );

    let id = |a: &str| rows[&format!("{a}@example.org")]["id"].as_i64().unwrap();
    let outcomes = |a: &str| {
        log_of(&db, id(a))
            .iter()
            .map(|x| x["outcome"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(outcomes("temp-a"), ["deferred", "deferred", "sent"]);
    assert_eq!(outcomes("throttle-a"), ["deferred", "sent"]);
    assert_eq!(log_of(&db, id("throttle-a"))[0]["code"], 421);
    assert_eq!(outcomes("perm-a"), ["failed"]);
    assert_eq!(log_of(&db, id("perm-a"))[0]["code"], 550);
    assert_eq!(outcomes("drop-a"), ["uncertain"]);

    // Not finished while a message is uncertain; the user decides to resend it.
    assert_eq!(status(&db, mailing)["finished"], false);
    ok_json(
        &db,
        &[
            "outbox",
            "resolve",
            &mailing.to_string(),
            "--action",
            "resend",
        ],
    );
    let o = appeal(&db, &["send", &mailing.to_string(), "--via", "local"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(state_now(&db, mailing, "drop-a"), "sent");
    assert_eq!(outcomes("drop-a"), ["uncertain", "requeued", "sent"]);
    // Failed stays failed until retried; then the server refuses again, with its words.
    ok_json(&db, &["outbox", "retry", &mailing.to_string(), "--failed"]);
    appeal(&db, &["send", &mailing.to_string(), "--via", "local"]);
    assert_eq!(outcomes("perm-a"), ["failed", "requeued", "failed"]);
    let s = status(&db, mailing);
    assert_eq!(s["finished"], true);
    assert_eq!(
        (s["counts"]["sent"].as_i64(), s["counts"]["failed"].as_i64()),
        (Some(34), Some(1))
    );

    // Every address received exactly once (the dropped one was never recorded by the server).
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in server.received() {
        *seen
            .entry(r["rcpt"][0].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(seen.len(), 34);
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");

    // The per-recipient log as CSV.
    let csv = dir.path().join("log.csv");
    let r = ok_json(
        &db,
        &[
            "outbox",
            "export-log",
            &mailing.to_string(),
            csv.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text.lines().count() as i64,
        r["attempts"].as_i64().unwrap() + 1
    );
    assert!(text.contains("550 5.1.1"));
    assert!(
        text.lines()
            .next()
            .unwrap()
            .starts_with("message,to,message_id,time,outcome,code,reply,queue_id")
    );
}

/// `appeal send` in the background, returned once the server has received `n` letters.
fn sending_until(db: &Path, mailing: i64, server: &Server, n: usize) -> std::process::Child {
    let child = common::appeal_command(db)
        .args(["send", &mailing.to_string(), "--via", "local"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while server.received().len() < n && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

/// `appeal smtp password ACCOUNT --stdin`, which must succeed.
fn store_password(db: &Path, account: &str, password: &str) {
    use std::io::Write;
    let mut child = common::appeal_command(db)
        .args(["smtp", "password", account, "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

fn state_now(db: &Path, mailing: i64, local: &str) -> String {
    by_recipient(db, mailing)[&format!("{local}@example.org")]["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn suppression_is_checked_again_at_send_time_and_lists_can_be_imported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let server = Server::start(&dir.path().join("rec"), &[]);
    let mailing = merged_mailing(&db, &as_refs(&many(5)));
    let list = dir.path().join("unsubscribed.csv");
    std::fs::write(&list, "Email,Date\nPERSON1@example.org,2026-11-01\nnot an address,x\nperson3@example.org,2026-11-02\n").unwrap();
    let r = ok_json(
        &db,
        &[
            "suppress",
            "import",
            list.to_str().unwrap(),
            "--reason",
            "unsubscribed",
        ],
    );
    assert_eq!(
        (r["added"].as_i64(), r["without_address_count"].as_i64()),
        (Some(2), Some(1))
    );
    add_plain_account(&db, server.port, &[]);
    appeal(&db, &["send", &mailing.to_string(), "--via", "local"]);
    assert_eq!(state_now(&db, mailing, "person1"), "suppressed");
    assert_eq!(state_now(&db, mailing, "person3"), "suppressed");
    let got: Vec<String> = server
        .received()
        .iter()
        .map(|r| r["rcpt"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got.len(), 3);
    assert!(
        !got.iter()
            .any(|g| g == "person1@example.org" || g == "person3@example.org")
    );
    assert_eq!(status(&db, mailing)["finished"], true);
}

/// A line break in merged data never reaches a header: the merge refuses it (and the
/// sender flattens control characters again; see the unit test in `mailings::handover`).
#[test]
fn merged_data_cannot_add_headers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let o = std::panic::catch_unwind(|| {
        merged_mailing(&db, &[("anna", "hi\r\nBcc: evil@example.net")]);
    });
    assert!(o.is_err());
    let o = appeal(&db, &["mailing", "merge", "1"]);
    assert!(
        stderr(&o).contains("the merged subject contains a line break"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rate_limits_hold_and_an_interrupted_send_leaves_nothing_half_done() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let server = Server::start(&dir.path().join("rec"), &[]);
    let mailing = merged_mailing(&db, &as_refs(&many(60)));
    add_plain_account(
        &db,
        server.port,
        &["--per-second", "10", "--concurrency", "3"],
    );

    // Ctrl-C: letters in flight finish, the rest stays queued.
    let mut child = sending_until(&db, mailing, &server, 15);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let s = status(&db, mailing);
    assert_eq!(
        (
            s["counts"]["sending"].as_i64(),
            s["counts"]["uncertain"].as_i64()
        ),
        (Some(0), Some(0))
    );
    let sent = s["counts"]["sent"].as_i64().unwrap();
    assert!((15..60).contains(&sent), "{s}");
    assert_eq!(sent as usize, server.received().len());

    // Resume to the end, then check no one-second window ever held more than 10 sends.
    let o = appeal(&db, &["send", &mailing.to_string(), "--via", "local"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(status(&db, mailing)["finished"], true);
    // When the server took each letter, on its monotonic clock: the limiter's promise is about
    // what reaches the server. (The outbox's own stamps are taken when results are recorded, a
    // batch at a time, so on a loaded machine they bunch up and say nothing about the rate.)
    let mut times: Vec<f64> = server
        .received()
        .iter()
        .map(|r| {
            r["arrived"]
                .as_f64()
                .expect("the server notes when each letter arrived")
        })
        .collect();
    times.sort_by(f64::total_cmp);
    assert_eq!(times.len(), 60);
    // A letter handed out just before a window can arrive inside it: one per connection.
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|u| **u < t + 0.9).count();
        assert!(
            in_window <= 10 + 3,
            "{in_window} letters reached the server within 0.9 s from {t}"
        );
    }

    // Cancelling what is left of a stopped mailing makes it final.
    let m2 = {
        let t = ok_json(&db, &["template", "list", "--campaign", "Free N."]);
        let tid = t[0]["id"].to_string();
        let m = ok_json(
            &db,
            &[
                "mailing",
                "create",
                "--campaign",
                "Free N.",
                "--template",
                &tid,
                "--name",
                "Again",
                "--audience",
                "signatories",
                "--from-name",
                "N.",
                "--from-address",
                "letters@free-n.example.org",
            ],
        );
        let id = m["id"].as_i64().unwrap();
        ok_json(&db, &["mailing", "merge", &id.to_string()]);
        id
    };
    let r = ok_json(&db, &["outbox", "cancel", &m2.to_string()]);
    assert_eq!(r["cancelled"], 60);
    let s = status(&db, m2);
    assert_eq!(
        (s["finished"].as_bool(), s["counts"]["cancelled"].as_i64()),
        (Some(true), Some(60))
    );
}

/// kill -9 at several points of a 5,000-message mailing, restart, finish: nothing lost, and
/// nothing received twice unless it was marked uncertain first. Letters left "sending" whose
/// final dot was never written go back to the queue (none of them had arrived); only those
/// past the dot are left uncertain.
#[test]
fn killed_mid_send_nothing_is_lost_and_nothing_repeats_silently() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let server = Server::start(&dir.path().join("rec"), &[]);
    let mailing = merged_mailing(&db, &as_refs(&many(5000)));
    add_plain_account(&db, server.port, &["--concurrency", "8"]);

    // The Message-IDs with a given outcome in the log so far.
    let logged = |outcome: &str| -> HashSet<String> {
        let csv = dir.path().join("log.csv");
        ok_json(
            &db,
            &[
                "outbox",
                "export-log",
                &mailing.to_string(),
                csv.to_str().unwrap(),
            ],
        );
        std::fs::read_to_string(&csv)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|cols| cols[4] == outcome)
            .map(|cols| cols[2].to_string())
            .collect()
    };
    let arrived = || -> HashSet<String> {
        server
            .received()
            .iter()
            .map(|r| r["message_id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut uncertain_total = 0;
    let mut requeued_total = 0;
    for kill_at in [300, 1500, 2900, 4200] {
        let mut child = sending_until(&db, mailing, &server, kill_at);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Let the server finish recording what reached it before the kill.
        std::thread::sleep(Duration::from_millis(300));
        let there = arrived();
        let (requeued_before, uncertain_before) = (logged("requeued"), logged("uncertain"));
        // Any command on the mailing recovers what the killed run left "sending".
        let s = status(&db, mailing);
        assert_eq!(s["counts"]["sending"], 0, "{s}");
        let requeued: HashSet<_> = &logged("requeued") - &requeued_before;
        let uncertain: HashSet<_> = &logged("uncertain") - &uncertain_before;
        // Uncertain only past the final dot: a letter the server has is past it; of the
        // others, each connection can have had one on its way (its dot recorded, then the
        // kill before the server had it all).
        let unseen = uncertain.difference(&there).count();
        assert!(
            unseen <= 8,
            "{unseen} uncertain letters never reached the server; at most one per connection may"
        );
        eprintln!(
            "kill at {kill_at}: {} uncertain ({unseen} of them not at the server), {} back in the queue",
            uncertain.len(),
            requeued.len()
        );
        let wrongly = requeued.intersection(&there).collect::<Vec<_>>();
        assert!(
            wrongly.is_empty(),
            "back in the queue although the server had them: {wrongly:?}"
        );
        uncertain_total += uncertain.len();
        requeued_total += requeued.len();
    }
    assert!(
        requeued_total > 0,
        "the kills happened with letters claimed ahead, which go back to the queue"
    );
    let s = status(&db, mailing);
    let uncertain = s["counts"]["uncertain"].as_i64().unwrap();
    assert_eq!(uncertain as usize, uncertain_total, "{s}");
    let was_uncertain = logged("uncertain");
    ok_json(
        &db,
        &[
            "outbox",
            "resolve",
            &mailing.to_string(),
            "--action",
            "resend",
        ],
    );
    let o = appeal(&db, &["send", &mailing.to_string(), "--via", "local"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = status(&db, mailing);
    assert_eq!(
        (s["finished"].as_bool(), s["counts"]["sent"].as_i64()),
        (Some(true), Some(5000)),
        "{s}"
    );

    let mut times: HashMap<String, usize> = HashMap::new();
    for r in server.received() {
        *times
            .entry(r["message_id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(times.len(), 5000, "every letter arrived");
    for (id, n) in &times {
        assert!(
            *n == 1 || was_uncertain.contains(id),
            "{id} arrived {n} times without being uncertain first"
        );
    }
}

/// Two programs on one database file: a send writing its outbox for seconds while other
/// `appeal` runs start, write, read and exit beside it (each closing the file as it goes, the
/// moment SQLite decides whether it was the last user and may delete the write-ahead log).
/// Every write of both is in the file afterwards, and the log was never deleted under the send.
#[test]
fn a_send_and_other_runs_on_one_database_lose_no_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let server = Server::start(&dir.path().join("rec"), &[]);
    let mailing = merged_mailing(&db, &as_refs(&many(3000)));
    add_plain_account(&db, server.port, &["--concurrency", "2"]);

    let mut send = sending_until(&db, mailing, &server, 1);
    let names: Vec<String> = (1..=12).map(|i| format!("Campaign {i}")).collect();
    for name in &names {
        ok_json(&db, &["campaign", "add", name]);
        let listed = ok_json(&db, &["campaign", "list"]).to_string();
        assert!(listed.contains(name.as_str()), "{listed}");
        if send.try_wait().unwrap().is_none() {
            let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
            let fds = std::fs::read_dir(format!("/proc/{}/fd", send.id())).unwrap();
            let deleted: Vec<String> = fds
                .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .map(|target| target.display().to_string())
                .filter(|t| t.starts_with(wal.to_str().unwrap()) && t.ends_with("(deleted)"))
                .collect();
            assert!(
                deleted.is_empty(),
                "the send's log was deleted under it: {deleted:?}"
            );
        }
    }
    assert!(send.wait().unwrap().success());

    let s = status(&db, mailing);
    assert_eq!(
        (s["finished"].as_bool(), s["counts"]["sent"].as_i64()),
        (Some(true), Some(3000)),
        "{s}"
    );
    assert_eq!(server.received().len(), 3000);
    let listed = ok_json(&db, &["campaign", "list"]).to_string();
    for name in &names {
        assert!(listed.contains(name.as_str()), "{name} is kept: {listed}");
    }
}

/// Needs a Secret Service: `scripts/test.sh` runs it under `dbus-run-session` with
/// gnome-keyring unlocked (`cargo test -p appeal-cli --test sending_cli -- --ignored`).
#[test]
#[ignore = "needs a Secret Service; scripts/test.sh runs it under dbus-run-session with gnome-keyring"]
fn the_password_lives_in_the_keychain_and_never_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let certs = certificates(&dir.path().join("certs"));
    let server = Server::start_tls(
        &dir.path().join("rec"),
        &certs,
        &["--auth", "keeper:kept in the keychain 7"],
    );
    let port = server.port.to_string();
    ok_json(
        &db,
        &[
            "smtp",
            "add",
            "kc",
            "--host",
            "localhost",
            "--port",
            &port,
            "--security",
            "starttls",
            "--user",
            "keeper",
            "--from",
            "letters@free-n.example.org",
            "--ca-file",
            certs.join("ca.pem").to_str().unwrap(),
        ],
    );
    store_password(&db, "kc", "kept in the keychain 7");
    let o = appeal(&db, &["smtp", "test", "kc"]);
    assert!(
        o.status.success(),
        "the keychain's password logs in: {}",
        stderr(&o)
    );
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let p = f.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(22).any(|w| w == b"kept in the keychain 7"),
                "password found in {}",
                p.display()
            );
        }
    }
    assert!(appeal(&db, &["smtp", "forget", "kc"]).status.success());
    let o = appeal(&db, &["smtp", "test", "kc"]);
    assert!(stderr(&o).contains("no password"), "{}", stderr(&o));

    // Deleting the account takes its password out of the keychain too.
    let ca = certs.join("ca.pem");
    let add = [
        "smtp",
        "add",
        "kc2",
        "--host",
        "localhost",
        "--port",
        &port,
        "--security",
        "starttls",
        "--user",
        "keeper",
        "--from",
        "letters@free-n.example.org",
        "--ca-file",
        ca.to_str().unwrap(),
    ];
    ok_json(&db, &add);
    store_password(&db, "kc2", "kept in the keychain 7");
    assert!(appeal(&db, &["smtp", "test", "kc2"]).status.success());
    assert!(
        appeal(&db, &["smtp", "delete", "kc"]).status.success(),
        "kc shares the login"
    );
    assert!(
        appeal(&db, &["smtp", "test", "kc2"]).status.success(),
        "still stored for kc2"
    );
    let o = appeal(&db, &["smtp", "delete", "kc2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    ok_json(&db, &add);
    let o = appeal(&db, &["smtp", "test", "kc2"]);
    assert!(stderr(&o).contains("no password"), "{}", stderr(&o));
}

#[test]
fn letters_are_dkim_signed_when_the_account_has_a_key() {
    // Each kind of key OpenSSL writes: RSA in PKCS#1 (genrsa -traditional), RSA in PKCS#8
    // (what OpenSSL 3 writes by default) and Ed25519 in PKCS#8.
    let kinds: [(&str, &[&str]); 3] = [
        (
            "RSA, PKCS#1",
            &["genrsa", "-traditional", "-out", "KEY", "2048"],
        ),
        (
            "RSA, PKCS#8",
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                "KEY",
            ],
        ),
        (
            "Ed25519, PKCS#8",
            &["genpkey", "-algorithm", "ed25519", "-out", "KEY"],
        ),
    ];
    for (kind, openssl) in kinds {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let key = dir.path().join("dkim.pem");
        let args: Vec<&str> = openssl
            .iter()
            .map(|a| {
                if *a == "KEY" {
                    key.to_str().unwrap()
                } else {
                    a
                }
            })
            .collect();
        let out = Command::new("openssl").args(&args).output().unwrap();
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        let server = Server::start(&dir.path().join("rec"), &[]);
        let mailing = merged_mailing(
            &db,
            &[("anna", "Berlin"), ("jonas", "Hamburg"), ("lea", "Lyon")],
        );
        add_plain_account(&db, server.port, &[]);
        let dkim = [
            "--dkim-domain",
            "free-n.example.org",
            "--dkim-selector",
            "mail2026",
        ];
        let o = appeal(&db, &[&["smtp", "edit", "local"][..], &dkim].concat());
        assert!(stderr(&o).contains("needs all three"), "{}", stderr(&o));
        ok_json(
            &db,
            &[
                &["smtp", "edit", "local"][..],
                &dkim,
                &["--dkim-key", key.to_str().unwrap()],
            ]
            .concat(),
        );
        let o = appeal(&db, &["send", &mailing.to_string(), "--via", "local"]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        assert_eq!(server.received().len(), 3);

        // dkimpy, not our code, checks every letter against the public key.
        let out = Command::new("/usr/bin/python3")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/dkim_verify.py"))
            .arg(&server.dir)
            .arg(&key)
            .args(["mail2026", "free-n.example.org"])
            .output()
            .expect("Debian's python3 with python3-dkim runs (bash scripts/setup.sh installs it)");
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["verified"], 3,
            "{kind}: every letter verifies: {report}"
        );
        let signed: Vec<&str> = report["signed_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        for h in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "reply-to",
            "mime-version",
            "list-unsubscribe",
        ] {
            assert!(signed.contains(&h), "{kind}: {h} is signed: {signed:?}");
        }

        // A letter changed on the way no longer verifies: the check can fail.
        let first = server.dir.join("000001.eml");
        let raw = std::fs::read_to_string(&first).unwrap();
        std::fs::write(&first, raw.replacen("Subject: ", "Subject: Re: ", 1)).unwrap();
        let out = Command::new("/usr/bin/python3")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/dkim_verify.py"))
            .arg(&server.dir)
            .arg(&key)
            .args(["mail2026", "free-n.example.org"])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["verified"], 2,
            "{kind}: the altered letter fails: {report}"
        );
    }
}

/// The group's mailbox on a real Dovecot over TLS: a dry run shows what would happen and
/// changes nothing; processing puts unsubscribes and hard bounces on the suppression list,
/// counts the soft bounce, moves what it acted on and leaves the rest; a second run changes
/// nothing.
#[test]
fn the_mailbox_is_reviewed_then_processed_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let certs = certificates(&dir.path().join("certs"));
    let people = [
        "anna", "boris", "clara", "dmitri", "emil", "fatima", "greta",
    ];
    let mailing = merged_mailing(
        &db,
        &people.iter().map(|p| (*p, "Berlin")).collect::<Vec<_>>(),
    );
    let rows = by_recipient(&db, mailing);
    let message_id = |p: &str| {
        let id = rows[&format!("{p}@example.org")]["id"].to_string();
        ok_json(&db, &["mailing", "message", &id])["message_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (address, password) = ("letters@free-n.example.org", "s3cret pass");
    let mut imap = Imap::start(&dir.path().join("imap"), &certs, address, password, &[]);
    for (fixture, p) in [
        ("unsubscribe_reply.eml", "anna"),
        ("unsubscribe_mailto.eml", "boris"),
        ("hard_bounce_dsn.eml", "clara"),
        ("soft_bounce_dsn.eml", "dmitri"),
        ("exim_bounce.eml", "emil"),
        ("auto_reply.eml", "fatima"),
        ("reply_not_unsubscribe.eml", "greta"),
        ("unrelated.eml", "greta"),
    ] {
        let text = std::fs::read_to_string(common::fixture(&format!("mailbox/{fixture}")))
            .unwrap()
            .replace("{{MESSAGE_ID}}", &message_id(p))
            .replace("{{TO}}", &format!("{p}@example.org"))
            .replace("{{FROM}}", address);
        imap.deliver(text.as_bytes());
    }
    ok_json(
        &db,
        &[
            "mailbox",
            "add",
            "group",
            "--host",
            "127.0.0.1",
            "--port",
            &imap.port.to_string(),
            "--user",
            address,
            "--ca-file",
            certs.join("ca.pem").to_str().unwrap(),
        ],
    );
    let pw = [("APPEAL_IMAP_PASSWORD", password)];
    let o = appeal_env(&db, &["--json", "mailbox", "test", "group"], &pw);
    assert!(o.status.success(), "{}", stderr(&o));
    let t: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(t["messages"], 8);
    let o = appeal_env(
        &db,
        &["mailbox", "test", "group"],
        &[("APPEAL_IMAP_PASSWORD", "wrong")],
    );
    assert!(
        stderr(&o).contains("refused the user name or password"),
        "{}",
        stderr(&o)
    );

    let process = |extra: &[&str]| -> Value {
        let o = appeal_env(
            &db,
            &[&["--json", "mailbox", "process", "group"][..], extra].concat(),
            &pw,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let kinds = |r: &Value| -> Vec<(String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["address"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let suppressed = |p: &str| {
        ok_json(&db, &["suppress", "check", &format!("{p}@example.org")])["suppressed"]
            .as_bool()
            .unwrap()
    };

    // The review: everything classified, nothing changed anywhere.
    let r = process(&["--dry-run"]);
    assert_eq!(
        (
            r["read"].as_i64(),
            r["unsubscribes"].as_i64(),
            r["hard_bounces"].as_i64(),
            r["soft_bounces"].as_i64(),
            r["ignored"].as_i64()
        ),
        (Some(8), Some(2), Some(2), Some(1), Some(3)),
        "{r:#}"
    );
    let mut by_address: HashMap<String, String> = HashMap::new();
    for (kind, addr) in kinds(&r) {
        if !addr.is_empty() {
            by_address.insert(addr, kind);
        }
    }
    for (p, kind) in [
        ("anna", "unsubscribe"),
        ("boris", "unsubscribe"),
        ("clara", "hard_bounce"),
        ("dmitri", "soft_bounce"),
        ("emil", "hard_bounce"),
    ] {
        assert_eq!(
            by_address
                .get(&format!("{p}@example.org"))
                .map(String::as_str),
            Some(kind),
            "{r:#}"
        );
    }
    assert!(!by_address.contains_key("fatima@example.org"));
    // The DSN's folded Diagnostic-Code is read whole.
    let clara = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["address"] == "clara@example.org")
        .unwrap();
    assert_eq!(clara["status"], "5.1.1");
    assert!(
        clara["reason"]
            .as_str()
            .unwrap()
            .contains("Recipient address rejected: User unknown"),
        "{clara}"
    );
    assert!(!by_address.contains_key("greta@example.org"));
    assert!(people.iter().all(|p| !suppressed(p)));
    assert_eq!(imap.count("INBOX"), 8);

    // Applied: suppressed, counted, moved; the mail for people stays in the inbox.
    let r = process(&[]);
    assert_eq!(
        (r["suppressed"].as_i64(), r["moved"].as_i64()),
        (Some(4), Some(5)),
        "{r:#}"
    );
    for p in ["anna", "boris", "clara", "emil"] {
        assert!(suppressed(p), "{p} is suppressed");
    }
    for p in ["dmitri", "fatima", "greta"] {
        assert!(!suppressed(p), "{p} is not suppressed");
    }
    let soft = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "soft_bounce")
        .unwrap();
    assert_eq!(soft["soft_bounces"], 1);
    assert_eq!(imap.count("INBOX"), 3);
    assert_eq!(imap.count("Processed by Appeal Desk"), 5);

    // Again: the three left for people are read again and left again; nothing else changes.
    let r = process(&[]);
    assert_eq!(
        (
            r["read"].as_i64(),
            r["ignored"].as_i64(),
            r["suppressed"].as_i64(),
            r["moved"].as_i64()
        ),
        (Some(3), Some(3), Some(0), Some(0)),
        "{r:#}"
    );
    assert_eq!(imap.count("INBOX"), 3);
    assert_eq!(imap.count("Processed by Appeal Desk"), 5);
    assert_eq!(ok_json(&db, &["suppress", "count"])["count"], 4);

    // STARTTLS on the plain port works too; the password goes only over TLS.
    let starttls = Imap::start(
        &dir.path().join("imap-starttls"),
        &certs,
        address,
        password,
        &["--starttls"],
    );
    ok_json(
        &db,
        &[
            "mailbox",
            "add",
            "plain-port",
            "--host",
            "127.0.0.1",
            "--port",
            &starttls.port.to_string(),
            "--security",
            "starttls",
            "--user",
            address,
            "--flag",
            "--ca-file",
            certs.join("ca.pem").to_str().unwrap(),
        ],
    );
    let o = appeal_env(&db, &["--json", "mailbox", "test", "plain-port"], &pw);
    assert!(o.status.success(), "{}", stderr(&o));
}
