-- Migration 8: signed records. Every user has an Ed25519 signing key
-- (wrapped under their password with their other secrets); each key and
-- role is given by a signed grant, back to the vault's first dpo (the root,
-- whose key fingerprint the team keeps outside the vault); and every audit
-- event, disclosure entry, request event and hold carries its author's
-- signature. Records written before this migration have none, and say so
-- when verified.

ALTER TABLE logs.users ADD COLUMN signing_key BLOB;

-- Grants: who holds which key and role, each signed.
--   root     the first dpo, signed by their own key;
--   grant    a user added (role, X25519 key, signing key), by a dpo;
--   role     a role changed, by a dpo;
--   remove   a user removed, by a dpo;
--   rotate   a user's new signing key, signed by their previous one;
--   enrol    a signing key made by a user of a vault older than
--            signatures, signed by that key (a dpo confirms it);
--   confirm  a dpo's confirmation of an enrolled key.
CREATE TABLE logs.grants (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('root', 'grant', 'role', 'remove', 'rotate', 'enrol', 'confirm')),
    name TEXT NOT NULL,
    role TEXT,
    public_key BLOB,
    signing_key BLOB,
    at TEXT NOT NULL,
    by_name TEXT NOT NULL,
    by_key BLOB NOT NULL,
    signature BLOB NOT NULL
);

-- An audit event is signed twice: its own fields by the user who acted
-- (`signer`, `signature`), and its place in the chain by the user whose
-- session appended it (`link_signer`, `link_signature`; the same user
-- except for a data writer's event moved from the outbox by another).
ALTER TABLE logs.audit ADD COLUMN signer_key BLOB;
ALTER TABLE logs.audit ADD COLUMN signature BLOB;
ALTER TABLE logs.audit ADD COLUMN link_signer TEXT;
ALTER TABLE logs.audit ADD COLUMN link_key BLOB;
ALTER TABLE logs.audit ADD COLUMN link_signature BLOB;
ALTER TABLE main.audit_outbox ADD COLUMN signer_key BLOB;
ALTER TABLE main.audit_outbox ADD COLUMN signature BLOB;

ALTER TABLE logs.disclosures ADD COLUMN signer_key BLOB;
ALTER TABLE logs.disclosures ADD COLUMN signature BLOB;

ALTER TABLE logs.request_events ADD COLUMN signer_key BLOB;
ALTER TABLE logs.request_events ADD COLUMN signature BLOB;

ALTER TABLE main.holds ADD COLUMN signer_key BLOB;
ALTER TABLE main.holds ADD COLUMN signature BLOB;

-- How much of failed-unlocks.log the trail has taken in: its length and
-- the SHA-256 of that much (a file that shrank or changed is reported).
INSERT INTO logs.meta (key, value) VALUES ('failed_unlocks_seen', '{"bytes":0,"sha256":""}');
