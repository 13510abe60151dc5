-- Migration 12 (named 0012: 0011 is the review's): the text index re-derived
-- with the one normalisation, version 2 (crate::text::norm, NORM_VERSION 2:
-- Unicode's whole default-ignorable set is dropped — variation selectors,
-- Hangul fillers, tags... — where version 1 dropped only zero-width and bidi
-- controls).
--
-- The text index's triggers (migration 9) delete a row's words by deriving
-- its text again with desk_text(entity, data); a row indexed with version 1
-- could derive other words now and leave its old ones behind. So every
-- entry is removed ('delete-all' empties the contentless FTS5 index; the
-- vault's secure_delete zeroes the freed pages) and the rows of the sites
-- whose index is on are indexed again with the current desk_text.
--
-- The mentions index (meta.mentions_version, built in Rust) is rebuilt by
-- `desk mentions --rebuild`: its version is now 2002 (rules 2, norm 2). A
-- vault with no text yet has nothing to build: it is marked 2002 (migration
-- 9 marked such a vault 1001).

INSERT INTO main.text_index (text_index) VALUES ('delete-all');

INSERT INTO main.text_index (rowid, body)
    SELECT rowid * 16 + 1, desk_text('posts', data) FROM main.posts
    WHERE site IN (SELECT site FROM main.text_index_sites);
INSERT INTO main.text_index (rowid, body)
    SELECT rowid * 16 + 2, desk_text('private_messages', data) FROM main.private_messages
    WHERE site IN (SELECT site FROM main.text_index_sites);
INSERT INTO main.text_index (rowid, body)
    SELECT rowid * 16 + 3, desk_text('helpdesk_tickets', data) FROM main.helpdesk_tickets
    WHERE site IN (SELECT site FROM main.text_index_sites);
INSERT INTO main.text_index (rowid, body)
    SELECT rowid * 16 + 4, desk_text('reviews', data) FROM main.reviews
    WHERE site IN (SELECT site FROM main.text_index_sites);
INSERT INTO main.text_index (rowid, body)
    SELECT rowid * 16 + 5, desk_text('local_listings', data) FROM main.local_listings
    WHERE site IN (SELECT site FROM main.text_index_sites);

UPDATE main.meta SET value = '2002'
    WHERE key = 'mentions_version' AND NOT (EXISTS (SELECT 1 FROM main.posts)
        OR EXISTS (SELECT 1 FROM main.private_messages)
        OR EXISTS (SELECT 1 FROM main.helpdesk_tickets)
        OR EXISTS (SELECT 1 FROM main.reviews)
        OR EXISTS (SELECT 1 FROM main.local_listings));
