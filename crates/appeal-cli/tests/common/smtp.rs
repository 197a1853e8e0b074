//! Real SMTP servers on loopback for the sending tests: `tests/smtp/server.py` (aiosmtpd,
//! with STARTTLS + AUTH over a throwaway CA, or fault injection), started and stopped here.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Server {
    /// Starts `server.py` recording into `dir` with extra arguments.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        std::fs::create_dir_all(dir).unwrap();
        let mut child = Command::new("/usr/bin/python3")
            .arg(repo().join("tests/smtp/server.py"))
            .args(["--port", "0", "--record"])
            .arg(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's python3 runs (bash scripts/setup.sh installs python3-aiosmtpd)");
        let port = super::ready_port(&mut child, "SMTP");
        Server {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// With STARTTLS (or implicit TLS, in `args`) on the certificates of [`certificates`].
    pub fn start_tls(dir: &Path, certs: &Path, args: &[&str]) -> Server {
        let (cert, key) = (certs.join("server.pem"), certs.join("server.key"));
        let tls = [
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ];
        Server::start(dir, &[&tls[..], args].concat())
    }

    /// One JSON object per message received so far.
    pub fn received(&self) -> Vec<Value> {
        complete_lines(&std::fs::read(self.dir.join("log.jsonl")).unwrap_or_default())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    }

    /// The raw bytes of the n-th message received (1-based).
    pub fn message(&self, n: u64) -> Vec<u8> {
        std::fs::read(self.dir.join(format!("{n:06}.eml"))).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of a log another process is still appending to, without the last one unless its
/// newline has been written: a read can land between the bytes of one record (a record that
/// crosses a page of the file is copied in two steps), and half a record is not one.
fn complete_lines(log: &[u8]) -> impl Iterator<Item = &[u8]> {
    let end = log.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    log[..end]
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
}

#[test]
fn a_record_still_being_written_is_not_read() {
    let log = b"{\"n\":1}\n{\"n\":2}\n{\"n\":3,\"mess";
    let lines: Vec<&[u8]> = complete_lines(log).collect();
    assert_eq!(lines, [&b"{\"n\":1}"[..], &b"{\"n\":2}"[..]]);
    assert_eq!(complete_lines(b"{\"n\":1").count(), 0);
}

/// A throwaway CA, a server certificate for localhost signed by it, and an unrelated CA.
pub fn certificates(dir: &Path) -> PathBuf {
    let out = Command::new("bash")
        .arg(repo().join("tests/smtp/make_certs.sh"))
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.to_path_buf()
}
