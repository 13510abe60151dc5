-- Migration 11: candidate items from mentions (issues #14.1 and #15.4).
-- A draft offers every item of other people's words that names the member
-- as a candidate item ("what others wrote about you"): a review_items row
-- with source 'mention' and entity 'mentions', whose content (only the
-- sentences about the member) is kept here as the reviewer saw it. A
-- candidate goes out only when a reviewer accepts it.

-- NULL: undecided (not released); 1: accepted; 0: declined. Member items: NULL.
ALTER TABLE main.review_items ADD COLUMN accepted INTEGER;

-- A candidate's content, and the source row it was cut from: `source_hash`
-- is the SHA-256 of that row's stored data when the draft was made (a row
-- changed or gone since is not released).
CREATE TABLE main.review_mentions (
    draft INTEGER NOT NULL,
    n INTEGER NOT NULL,
    entity TEXT NOT NULL,
    row_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (draft, n)
) WITHOUT ROWID;
