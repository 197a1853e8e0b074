-- Appeals: targets (decision-makers), templates with language variants, mailings and the
-- outbox of merged messages, frozen at merge time.

CREATE TABLE targets (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    title           TEXT,
    organisation    TEXT,
    email           TEXT,
    address         TEXT,                -- postal address lines, newline-separated
    country         TEXT,
    language        TEXT,
    form_of_address TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX targets_campaign ON targets (campaign_id);

CREATE TABLE templates (
    id                INTEGER PRIMARY KEY,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    fallback_language TEXT NOT NULL,
    attachments       TEXT NOT NULL DEFAULT '[]',   -- JSON array of templated file paths
    updated_at        TEXT NOT NULL,
    UNIQUE (campaign_id, name)
);

CREATE TABLE template_variants (
    template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    language    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (template_id, language)
) WITHOUT ROWID;

CREATE TABLE mailings (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    template_id  INTEGER NOT NULL REFERENCES templates(id) ON DELETE RESTRICT,
    name         TEXT NOT NULL,
    audience     TEXT NOT NULL CHECK (audience IN ('signatories', 'targets', 'signatories_to_targets')),
    filter       TEXT NOT NULL,          -- JSON AudienceFilter
    from_name    TEXT NOT NULL,
    from_address TEXT NOT NULL,
    reply_to     TEXT,
    state        TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'merged')),
    created_at   TEXT NOT NULL
);

-- The outbox: every merged message as it will go out, and its state.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    mailing_id   INTEGER NOT NULL REFERENCES mailings(id) ON DELETE CASCADE,
    signatory_id INTEGER REFERENCES signatories(id) ON DELETE SET NULL,
    target_id    INTEGER REFERENCES targets(id) ON DELETE SET NULL,
    from_header  TEXT NOT NULL,
    to_header    TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    reply_to     TEXT,
    subject      TEXT NOT NULL,
    text         TEXT NOT NULL,
    html         TEXT NOT NULL,
    language     TEXT NOT NULL,
    message_id   TEXT NOT NULL UNIQUE,
    attachments  TEXT NOT NULL DEFAULT '[]',        -- JSON [{path, sha256}] checked at merge
    state        TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'suppressed', 'cancelled', 'uncertain')),
    created_at   TEXT NOT NULL
);
CREATE INDEX messages_mailing ON messages (mailing_id, state);
