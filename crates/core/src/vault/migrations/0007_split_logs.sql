-- Migration 7: the logs move out of vault.db into logs.db (attached as
-- `logs`, opened by its own key, which auditors hold), so that an auditor's
-- key opens the audit trail, the disclosure log and the request register and
-- no member data. The tables keep their exact columns; requester texts are
-- sealed under the field key (`desk_seal_field`), which auditors do not hold.
-- Data writers record their audit event in `audit_outbox`, in their own
-- transaction, and it is moved into `logs.audit` after they commit.

CREATE TABLE logs.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO logs.meta (key, value) SELECT key, value FROM main.meta;
INSERT INTO logs.meta (key, value) VALUES ('outbox_applied', '0');
INSERT OR REPLACE INTO main.meta (key, value) VALUES ('search_terms_version', '1');

CREATE TABLE logs.users (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('dpo', 'staff', 'auditor')),
    slot_tag TEXT NOT NULL UNIQUE,
    public_key BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT
);
INSERT INTO logs.users SELECT name, role, slot_tag, public_key, created_at, created_by FROM main.users;
DROP TABLE main.users;

CREATE TABLE logs.audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT,
    action TEXT NOT NULL,
    site TEXT,
    member_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO logs.audit SELECT seq, at, user, action, site, member_id, outcome, detail, prev_hash, hash FROM main.audit;
DROP TABLE main.audit;

CREATE TABLE main.audit_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT,
    action TEXT NOT NULL,
    site TEXT,
    member_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
);

CREATE TABLE logs.disclosures (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    original_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('original', 'amendment', 'review')),
    site TEXT NOT NULL,
    content TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX logs.disclosures_original ON disclosures (original_id);
INSERT INTO logs.disclosures SELECT seq, id, original_id, kind, site, content, prev_hash, hash FROM main.disclosures;
DROP TABLE main.disclosures;

CREATE TABLE logs.disclosure_members (
    disclosure_id TEXT NOT NULL,
    site TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (disclosure_id, site, member_id)
);
CREATE INDEX logs.disclosure_members_member ON disclosure_members (site, member_id);
INSERT INTO logs.disclosure_members SELECT disclosure_id, site, member_id FROM main.disclosure_members;
DROP TABLE main.disclosure_members;

CREATE TABLE logs.requests (
    ref TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    member_id TEXT NOT NULL,
    received TEXT NOT NULL,
    channel TEXT NOT NULL,
    requester TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL
);
CREATE INDEX logs.requests_member ON requests (site, member_id);
INSERT INTO logs.requests
    SELECT ref, site, member_id, received, channel,
           CASE WHEN requester = '' THEN '' ELSE desk_seal_field(requester) END,
           status, opened_at, opened_by
    FROM main.requests;
DROP TABLE main.requests;

CREATE TABLE logs.request_events (
    ref TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (ref, seq)
);
INSERT INTO logs.request_events SELECT ref, seq, at, user, kind, detail FROM main.request_events;
DROP TABLE main.request_events;

CREATE TABLE logs.request_calendars (
    site TEXT PRIMARY KEY,
    calendar TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
);
INSERT INTO logs.request_calendars SELECT site, calendar, set_at, set_by FROM main.request_calendars;
DROP TABLE main.request_calendars;

CREATE TABLE logs.privacy_facts (
    site TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO logs.privacy_facts SELECT site, content, updated_at, updated_by FROM main.privacy_facts;
DROP TABLE main.privacy_facts;

CREATE TABLE logs.privacy_facts_history (
    seq INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    content TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO logs.privacy_facts_history SELECT seq, site, content, updated_at, updated_by FROM main.privacy_facts_history;
DROP TABLE main.privacy_facts_history;

-- Bundles being written: recorded before their first byte, removed when
-- they finish; one left by a dead process is cleaned up at the next unlock.
CREATE TABLE logs.bundle_jobs (
    id TEXT PRIMARY KEY,
    activity TEXT NOT NULL,
    user TEXT NOT NULL,
    site TEXT NOT NULL,
    member_id TEXT NOT NULL,
    part_path TEXT NOT NULL,
    target TEXT NOT NULL,
    started_at TEXT NOT NULL
);

-- Key operations applied (a recovery applies each at most once).
CREATE TABLE logs.keyops (
    id TEXT PRIMARY KEY,
    op TEXT NOT NULL,
    at TEXT NOT NULL
);
