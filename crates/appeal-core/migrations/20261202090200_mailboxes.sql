-- The group's mailboxes (IMAP over TLS), read for unsubscribe requests and bounces. The
-- password is in the OS keychain, never here.
CREATE TABLE mailboxes (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    host             TEXT NOT NULL,
    port             INTEGER NOT NULL,
    security         TEXT NOT NULL CHECK (security IN ('tls', 'starttls')),
    username         TEXT NOT NULL,
    folder           TEXT NOT NULL DEFAULT 'INBOX',
    processed_folder TEXT,            -- processed mail is moved here; NULL: flagged instead
    ca_file          TEXT,
    created_at       TEXT NOT NULL
);

-- Every mail acted on, once: keyed by a hash of its bytes. No addresses in clear: the
-- address is kept as the suppression list's salted hash, so erasure leaves nothing here.
CREATE TABLE mailbox_events (
    id           INTEGER PRIMARY KEY,
    mailbox_id   INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
    mail_key     TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('unsubscribe', 'hard_bounce', 'soft_bounce')),
    message_id   INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    address_hash TEXT,
    status       TEXT,
    at           TEXT NOT NULL
);
CREATE INDEX mailbox_events_address ON mailbox_events (address_hash, kind);
