-- The foundation: campaigns, petitions, signatories and their signatures, imports (with what
-- each rejected and what it changed, so it can be undone) and the suppression list.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE petitions (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (campaign_id, title)
);

CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    file_name    TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    format       TEXT NOT NULL,
    encoding     TEXT,
    delimiter    TEXT,
    mapping      TEXT NOT NULL,          -- JSON array of ColumnMapping
    on_existing  TEXT NOT NULL,
    petition_id  INTEGER REFERENCES petitions(id) ON DELETE SET NULL,
    rows         INTEGER NOT NULL DEFAULT 0,
    imported     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    suppressed   INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    undone_at    TEXT
);

-- Rows an import refused, kept so they can be saved, fixed and imported again.
CREATE TABLE import_rejects (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    email_key TEXT,                      -- normalised address, so erasure can find the row
    raw       TEXT NOT NULL,             -- JSON array of the row's cells
    PRIMARY KEY (import_id, line)
) WITHOUT ROWID;

CREATE TABLE signatories (
    id             INTEGER PRIMARY KEY,
    dedupe_key     TEXT UNIQUE,          -- normalised email, else name + postcode/town; NULL: never merged
    first_name     TEXT,
    last_name      TEXT,
    email          TEXT,
    phone          TEXT,
    street         TEXT,
    postcode       TEXT,
    town           TEXT,
    country        TEXT,
    language       TEXT,
    consent        INTEGER,              -- 1 yes, 0 no, NULL unknown
    consent_at     TEXT,
    consent_source TEXT,
    subscription   TEXT NOT NULL DEFAULT 'unknown' CHECK (subscription IN ('subscribed', 'unsubscribed', 'unknown')),
    tags           TEXT NOT NULL DEFAULT '[]',
    custom         TEXT NOT NULL DEFAULT '{}',
    import_id      INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- Only ids, in order: scrolling to row 900,000 of the table walks this small index instead of
-- every row (and COUNT(*) reads it too).
CREATE INDEX signatories_by_id ON signatories (id);

CREATE TABLE signatures (
    id           INTEGER PRIMARY KEY,
    signatory_id INTEGER NOT NULL REFERENCES signatories(id) ON DELETE CASCADE,
    petition_id  INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    signed_at    TEXT,
    source       TEXT,
    comment      TEXT,
    import_id    INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (signatory_id, petition_id)
);
-- A petition's list (export, filter); appended in order during an import, so cheap to keep.
CREATE INDEX signatures_petition ON signatures (petition_id, signatory_id);

-- What an import overwrote on people who were already there: restored on undo.
CREATE TABLE import_changes (
    import_id    INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    signatory_id INTEGER NOT NULL REFERENCES signatories(id) ON DELETE CASCADE,
    previous     TEXT NOT NULL,          -- JSON of SignatoryFields before the import
    PRIMARY KEY (import_id, signatory_id)
) WITHOUT ROWID;

-- Addresses never to be mailed or re-imported. Only a salted hash is kept for erased people.
CREATE TABLE suppressions (
    email_hash TEXT PRIMARY KEY,
    email      TEXT,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Word-prefix search over name, email and town; rowid = signatories.id.
CREATE VIRTUAL TABLE signatory_search USING fts5(
    name, email, town,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
