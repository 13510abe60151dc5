-- Migration 10: reviewed release of subject-access bundles (issue #14).
-- A draft lists the items that would go out and the proposals (what in them
-- is about someone else); reviewers decide. Drafts hold member data, so they
-- live in vault.db; their states are events on the request (logs.db
-- request_events). A site's four-eyes rule is a setting in logs.db.

CREATE TABLE main.review_drafts (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL,
    site TEXT NOT NULL,
    member_id TEXT NOT NULL,
    vault_sequence INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    replaces INTEGER,
    carried INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX main.review_drafts_ref ON review_drafts (ref);

-- Every item of a draft, in review order (n). `hash` is the SHA-256 of the
-- row's stored data when the draft was made: a row that changed since is
-- not released.
CREATE TABLE main.review_items (
    draft INTEGER NOT NULL,
    n INTEGER NOT NULL,
    entity TEXT NOT NULL,
    row_id TEXT NOT NULL,
    source TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    at TEXT,
    hash TEXT NOT NULL,
    preview TEXT NOT NULL,
    proposals INTEGER NOT NULL DEFAULT 0,
    withheld TEXT,
    marked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (draft, n)
) WITHOUT ROWID;
CREATE INDEX main.review_items_row ON review_items (draft, entity, row_id);
-- Narrow, for counting and paging without reading the rows' previews.
CREATE INDEX main.review_items_list ON review_items (draft, n, entity, proposals, marked, withheld);

-- Third parties: another member (or former member), or a value not known
-- to be anyone's (an email, a phone, a postcode, an address, a name).
CREATE TABLE main.review_parties (
    draft INTEGER NOT NULL,
    party INTEGER NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    member_id TEXT,
    display TEXT NOT NULL,
    key TEXT NOT NULL,
    verdict TEXT,
    three_step TEXT,
    PRIMARY KEY (draft, party)
) WITHOUT ROWID;
CREATE INDEX main.review_parties_key ON review_parties (draft, key);

CREATE TABLE main.review_proposals (
    draft INTEGER NOT NULL,
    id INTEGER NOT NULL,
    item INTEGER NOT NULL,
    field TEXT NOT NULL,
    start INTEGER,
    stop INTEGER,
    kind TEXT NOT NULL,
    party INTEGER NOT NULL,
    verdict TEXT,
    PRIMARY KEY (draft, id)
) WITHOUT ROWID;
CREATE INDEX main.review_proposals_item ON review_proposals (draft, item);
CREATE INDEX main.review_proposals_party ON review_proposals (draft, party);

-- A reviewer's own redactions of a span of a text field.
CREATE TABLE main.review_spans (
    draft INTEGER NOT NULL,
    id INTEGER NOT NULL,
    item INTEGER NOT NULL,
    field TEXT NOT NULL,
    start INTEGER NOT NULL,
    stop INTEGER NOT NULL,
    reason TEXT NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (draft, id)
) WITHOUT ROWID;
CREATE INDEX main.review_spans_item ON review_spans (draft, item);

-- Ids that carry another person's identifier, renumbered within the bundle.
CREATE TABLE main.review_ids (
    draft INTEGER NOT NULL,
    field TEXT NOT NULL,
    original TEXT NOT NULL,
    opaque TEXT NOT NULL,
    PRIMARY KEY (draft, field, original)
) WITHOUT ROWID;

-- The decision about each disclosure-log entry naming the member.
CREATE TABLE main.review_disclosures (
    draft INTEGER NOT NULL,
    disclosure TEXT NOT NULL,
    decision TEXT NOT NULL,
    PRIMARY KEY (draft, disclosure)
) WITHOUT ROWID;

-- Every action on a draft, with what undoes it.
CREATE TABLE main.review_actions (
    draft INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    what TEXT NOT NULL,
    undo TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (draft, seq)
) WITHOUT ROWID;

CREATE TABLE logs.review_settings (
    site TEXT PRIMARY KEY,
    four_eyes INTEGER NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
);
