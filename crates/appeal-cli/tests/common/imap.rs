//! A real IMAP server on loopback for the mailbox tests: Dovecot run by
//! `tests/imap/server.py` in a folder of its own, with mail delivered into its Maildir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Imap {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
    delivered: usize,
}

impl Imap {
    /// Starts Dovecot for one user (`address:password`) on the certificates of
    /// [`super::smtp::certificates`]; `extra`: `--starttls`, for example.
    pub fn start(dir: &Path, certs: &Path, address: &str, password: &str, extra: &[&str]) -> Imap {
        let mut child = Command::new("/usr/bin/python3")
            .arg(repo().join("tests/imap/server.py"))
            .arg("--dir")
            .arg(dir)
            .args(["--user", &format!("{address}:{password}"), "--port", "0"])
            .arg("--tls-cert")
            .arg(certs.join("server.pem"))
            .arg("--tls-key")
            .arg(certs.join("server.key"))
            .args(extra)
            // Dovecot runs on the machine's own clock even when the suite runs under
            // libfaketime: it drops LD_PRELOAD for the processes it starts, and a master and
            // children on different dates (and Python's sleeps on a shifted clock) break it.
            .env_remove("LD_PRELOAD")
            .env_remove("FAKETIME")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's python3 runs (bash scripts/setup.sh installs dovecot-imapd)");
        let port = super::ready_port(&mut child, "IMAP");
        Imap {
            child,
            port,
            maildir: dir.join("mail").join(address).join("Maildir"),
            delivered: 0,
        }
    }

    /// Delivers one mail into the INBOX, as an MTA does (written to tmp/, renamed into new/).
    pub fn deliver(&mut self, bytes: &[u8]) {
        self.delivered += 1;
        let name = format!("1764000000.{}.test", self.delivered);
        let tmp = self.maildir.join("tmp").join(&name);
        std::fs::write(&tmp, bytes).unwrap();
        std::fs::rename(&tmp, self.maildir.join("new").join(&name)).unwrap();
    }

    /// How many mails a folder holds on disk ("INBOX", or a folder's name).
    pub fn count(&self, folder: &str) -> usize {
        let dir = if folder == "INBOX" {
            self.maildir.clone()
        } else {
            self.maildir.join(format!(".{}", folder.replace('/', ".")))
        };
        ["new", "cur"]
            .iter()
            .map(|d| std::fs::read_dir(dir.join(d)).map_or(0, |r| r.count()))
            .sum()
    }
}

impl Drop for Imap {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
