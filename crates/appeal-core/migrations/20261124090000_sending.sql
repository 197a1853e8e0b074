-- Sending over SMTP: accounts, the per-message send state and the per-attempt log.

CREATE TABLE smtp_profiles (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    host               TEXT NOT NULL,
    port               INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security           TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
    username           TEXT,                 -- the password is in the OS keychain, never here
    from_name          TEXT NOT NULL,
    from_address       TEXT NOT NULL,
    reply_to           TEXT,
    ca_file            TEXT,                 -- extra CA certificate (PEM) for a group's own server
    concurrency        INTEGER NOT NULL DEFAULT 4 CHECK (concurrency BETWEEN 1 AND 64),
    per_second         INTEGER,
    per_minute         INTEGER,
    per_hour           INTEGER,
    per_day            INTEGER,
    max_attempts       INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 50),
    retry_base_seconds INTEGER NOT NULL DEFAULT 60 CHECK (retry_base_seconds >= 1),
    timeout_seconds    INTEGER NOT NULL DEFAULT 60 CHECK (timeout_seconds >= 1),
    dkim_domain        TEXT,
    dkim_selector      TEXT,
    dkim_key_file      TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN next_attempt_at TEXT;     -- for deferred messages
ALTER TABLE messages ADD COLUMN last_reply TEXT;          -- the server's last words on it
ALTER TABLE messages ADD COLUMN sent_at TEXT;

-- Every attempt, test sends and the user's decisions included: the per-recipient log.
CREATE TABLE attempts (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    profile_id INTEGER REFERENCES smtp_profiles(id) ON DELETE SET NULL,
    at         TEXT NOT NULL,                 -- UTC, RFC 3339 with milliseconds
    outcome    TEXT NOT NULL CHECK (outcome IN ('sent', 'deferred', 'failed', 'uncertain', 'suppressed', 'cancelled', 'requeued', 'marked_sent', 'test')),
    code       INTEGER,                       -- SMTP reply code, when the server replied
    reply      TEXT NOT NULL,                 -- the server's reply, or what happened in words
    queue_id   TEXT                           -- from "250 ... queued as X"
);
CREATE INDEX attempts_message ON attempts (message_id);
CREATE INDEX attempts_profile_sent ON attempts (profile_id, at) WHERE outcome = 'sent';
