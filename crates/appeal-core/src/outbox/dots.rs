//! The final-dot journal: which letters' final dots were about to be written, kept in the
//! mailing's send-lock file, which only the sender holding the lock writes.
//!
//! A server accepts a letter only when its final dot arrives, so a letter left "sending" by a
//! sender that died can only have arrived if its dot was written. Just before a worker writes
//! one, it asks the journal to record `(message id, attempts so far)`; the journal writes every
//! request waiting at that moment and syncs the file once (a group commit: one `fdatasync`
//! for all connections waiting), then lets them go on. Recovery reads the records back:
//! letters with one for their current attempt become uncertain; the others go back to the
//! queue. The records name messages by number only, nothing about anyone.
//!
//! A file of our own rather than a row in SQLite: a commit through the store's one writer
//! connection waited behind the batches of results, and cost a third of the sending rate.

use std::collections::HashSet;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::error::{Error, Result};

const RECORD: usize = 16;

/// One letter's attempt: its message id and how many attempts it had before this one.
pub(crate) type Mark = (i64, i64);

/// The records in the journal, ignoring a last one cut short by a crash.
pub(crate) fn read(file: &File) -> Result<HashSet<Mark>> {
    let fail = |e: std::io::Error| Error::Conflict(format!("cannot read the send journal: {e}"));
    let len = file.metadata().map_err(fail)?.len();
    let mut bytes = vec![0; usize::try_from(len).unwrap_or(0)];
    file.read_exact_at(&mut bytes, 0).map_err(fail)?;
    Ok(bytes
        .chunks_exact(RECORD)
        .map(|r| {
            let id = i64::from_le_bytes(r[..8].try_into().expect("8 bytes"));
            let attempts = i64::from_le_bytes(r[8..].try_into().expect("8 bytes"));
            (id, attempts)
        })
        .collect())
}

/// Empties the journal, durably: after recovery, and after a run whose every result is
/// recorded.
pub(crate) fn clear(file: &File) -> Result<()> {
    file.set_len(0)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::Conflict(format!("cannot empty the send journal: {e}")))
}

type Request = (Mark, oneshot::Sender<bool>);

/// The journal's writer, on a thread of its own (it blocks on the disk).
pub(crate) struct Journal {
    tx: Option<mpsc::Sender<Request>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Journal {
    /// Starts writing to `file` (already emptied) from its start.
    pub fn start(file: File) -> Result<Journal> {
        let (tx, rx) = mpsc::channel::<Request>();
        let thread = std::thread::Builder::new()
            .name("send-journal".into())
            .spawn(move || write_loop(&file, &rx))
            .map_err(|e| Error::Conflict(format!("cannot start the send journal: {e}")))?;
        Ok(Journal {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Records that this attempt's final dot is about to be written; true once it is on
    /// disk, false if it could not be recorded (the dot must not be written then).
    pub async fn record(&self, mark: Mark) -> bool {
        let (answer, wait) = oneshot::channel();
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send((mark, answer)).is_ok());
        sent && wait.await.unwrap_or(false)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn write_loop(file: &File, rx: &mpsc::Receiver<Request>) {
    let mut offset = 0u64;
    let mut buf = Vec::with_capacity(64 * RECORD);
    let mut waiting = Vec::with_capacity(64);
    while let Ok(first) = rx.recv() {
        waiting.push(first);
        while let Ok(more) = rx.try_recv() {
            waiting.push(more);
        }
        buf.clear();
        for ((id, attempts), _) in &waiting {
            buf.extend_from_slice(&id.to_le_bytes());
            buf.extend_from_slice(&attempts.to_le_bytes());
        }
        let ok = match file
            .write_all_at(&buf, offset)
            .and_then(|()| file.sync_data())
        {
            Ok(()) => {
                offset += buf.len() as u64;
                true
            }
            Err(e) => {
                tracing::error!("cannot write the send journal: {e}");
                false
            }
        };
        for (_, answer) in waiting.drain(..) {
            let _ = answer.send(ok);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn marks_are_read_back_and_a_torn_last_record_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let file = File::options()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let journal = Journal::start(file.try_clone().unwrap()).unwrap();
        assert!(journal.record((7, 0)).await);
        assert!(journal.record((9, 2)).await);
        drop(journal);
        // A crash in the middle of a write leaves part of a record.
        file.write_all_at(&[1, 2, 3], 32).unwrap();
        let reader = File::open(&path).unwrap();
        assert_eq!(read(&reader).unwrap(), HashSet::from([(7, 0), (9, 2)]));
        clear(&file).unwrap();
        assert!(read(&File::open(&path).unwrap()).unwrap().is_empty());
    }
}
