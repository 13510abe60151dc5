-- Migration 8: finding members in other people's words (issue #15).
--
-- mention_tokens: per row of free text (posts, private messages, helpdesk
-- tickets, reviews, local listings), each candidate key that could name a
-- member (`a:` @handle, `w:` an unordinary word, `e:` email, `p:` phone, `n:`
-- two capitalised words), with the row's author and time (UTC). Written by
-- the sync in Rust (desk_core::mentions); a row's entries are deleted by the
-- DELETE triggers below on every delete path (a delta's deletion, a member's
-- cascade, a full export's sweep, a hold lift's purge).
--
-- text_index: the optional per-site full-text index (FTS5, contentless,
-- detail=none, columnsize=0, secure-delete on), holding desk_text(entity, data) under the id
-- rowid * 16 + entity (posts 1, private_messages 2, helpdesk_tickets 3,
-- reviews 4, local_listings 5) for the sites listed in text_index_sites; kept
-- by the triggers below. secure-delete removes a deleted row's words from
-- the index's pages at once instead of at the next merge.
--
-- The mentions index of rows already stored is built by the use case
-- Session::mentions_rebuild (`desk mentions --rebuild`): the tokenizer is
-- Rust, which SQL cannot call here. meta.mentions_version says whether it
-- was built: 1001 for a vault with no text yet (nothing to build), else 0.

CREATE TABLE main.mention_tokens (
    site TEXT NOT NULL,
    key TEXT NOT NULL,
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    author TEXT,
    at TEXT,
    PRIMARY KEY (site, key, entity, id)
) WITHOUT ROWID;
CREATE INDEX main.mention_tokens_row ON mention_tokens (site, entity, id);

-- A member's posted_as names, from the search index, without scanning it.
CREATE INDEX main.search_terms_posted_as ON search_terms (site, member_id, key)
    WHERE key > 'posted_as' AND key < 'posted_at';

CREATE TABLE main.text_index_sites (
    site TEXT PRIMARY KEY,
    since TEXT NOT NULL,
    by TEXT NOT NULL
);
CREATE VIRTUAL TABLE main.text_index USING fts5(
    body, content='', detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO main.text_index (text_index, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER main.posts_text_ins AFTER INSERT ON posts
WHEN EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 1, desk_text('posts', NEW.data));
END;
CREATE TRIGGER main.posts_text_upd AFTER UPDATE OF data ON posts
WHEN OLD.data IS NOT NEW.data AND EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (text_index, rowid, body)
        VALUES ('delete', OLD.rowid * 16 + 1, desk_text('posts', OLD.data));
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 1, desk_text('posts', NEW.data));
END;
CREATE TRIGGER main.posts_mentions_del AFTER DELETE ON posts
BEGIN
    DELETE FROM mention_tokens WHERE site = OLD.site AND entity = 'posts' AND id = OLD.id;
    INSERT INTO text_index (text_index, rowid, body)
        SELECT 'delete', OLD.rowid * 16 + 1, desk_text('posts', OLD.data)
        WHERE EXISTS (SELECT 1 FROM text_index_sites WHERE site = OLD.site);
END;

CREATE TRIGGER main.private_messages_text_ins AFTER INSERT ON private_messages
WHEN EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 2, desk_text('private_messages', NEW.data));
END;
CREATE TRIGGER main.private_messages_text_upd AFTER UPDATE OF data ON private_messages
WHEN OLD.data IS NOT NEW.data AND EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (text_index, rowid, body)
        VALUES ('delete', OLD.rowid * 16 + 2, desk_text('private_messages', OLD.data));
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 2, desk_text('private_messages', NEW.data));
END;
CREATE TRIGGER main.private_messages_mentions_del AFTER DELETE ON private_messages
BEGIN
    DELETE FROM mention_tokens WHERE site = OLD.site AND entity = 'private_messages' AND id = OLD.id;
    INSERT INTO text_index (text_index, rowid, body)
        SELECT 'delete', OLD.rowid * 16 + 2, desk_text('private_messages', OLD.data)
        WHERE EXISTS (SELECT 1 FROM text_index_sites WHERE site = OLD.site);
END;

CREATE TRIGGER main.helpdesk_tickets_text_ins AFTER INSERT ON helpdesk_tickets
WHEN EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 3, desk_text('helpdesk_tickets', NEW.data));
END;
CREATE TRIGGER main.helpdesk_tickets_text_upd AFTER UPDATE OF data ON helpdesk_tickets
WHEN OLD.data IS NOT NEW.data AND EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (text_index, rowid, body)
        VALUES ('delete', OLD.rowid * 16 + 3, desk_text('helpdesk_tickets', OLD.data));
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 3, desk_text('helpdesk_tickets', NEW.data));
END;
CREATE TRIGGER main.helpdesk_tickets_mentions_del AFTER DELETE ON helpdesk_tickets
BEGIN
    DELETE FROM mention_tokens WHERE site = OLD.site AND entity = 'helpdesk_tickets' AND id = OLD.id;
    INSERT INTO text_index (text_index, rowid, body)
        SELECT 'delete', OLD.rowid * 16 + 3, desk_text('helpdesk_tickets', OLD.data)
        WHERE EXISTS (SELECT 1 FROM text_index_sites WHERE site = OLD.site);
END;

CREATE TRIGGER main.reviews_text_ins AFTER INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 4, desk_text('reviews', NEW.data));
END;
CREATE TRIGGER main.reviews_text_upd AFTER UPDATE OF data ON reviews
WHEN OLD.data IS NOT NEW.data AND EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (text_index, rowid, body)
        VALUES ('delete', OLD.rowid * 16 + 4, desk_text('reviews', OLD.data));
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 4, desk_text('reviews', NEW.data));
END;
CREATE TRIGGER main.reviews_mentions_del AFTER DELETE ON reviews
BEGIN
    DELETE FROM mention_tokens WHERE site = OLD.site AND entity = 'reviews' AND id = OLD.id;
    INSERT INTO text_index (text_index, rowid, body)
        SELECT 'delete', OLD.rowid * 16 + 4, desk_text('reviews', OLD.data)
        WHERE EXISTS (SELECT 1 FROM text_index_sites WHERE site = OLD.site);
END;

CREATE TRIGGER main.local_listings_text_ins AFTER INSERT ON local_listings
WHEN EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 5, desk_text('local_listings', NEW.data));
END;
CREATE TRIGGER main.local_listings_text_upd AFTER UPDATE OF data ON local_listings
WHEN OLD.data IS NOT NEW.data AND EXISTS (SELECT 1 FROM text_index_sites WHERE site = NEW.site)
BEGIN
    INSERT INTO text_index (text_index, rowid, body)
        VALUES ('delete', OLD.rowid * 16 + 5, desk_text('local_listings', OLD.data));
    INSERT INTO text_index (rowid, body) VALUES (NEW.rowid * 16 + 5, desk_text('local_listings', NEW.data));
END;
CREATE TRIGGER main.local_listings_mentions_del AFTER DELETE ON local_listings
BEGIN
    DELETE FROM mention_tokens WHERE site = OLD.site AND entity = 'local_listings' AND id = OLD.id;
    INSERT INTO text_index (text_index, rowid, body)
        SELECT 'delete', OLD.rowid * 16 + 5, desk_text('local_listings', OLD.data)
        WHERE EXISTS (SELECT 1 FROM text_index_sites WHERE site = OLD.site);
END;

INSERT OR REPLACE INTO main.meta (key, value)
    SELECT 'mentions_version', CASE WHEN EXISTS (SELECT 1 FROM posts)
        OR EXISTS (SELECT 1 FROM private_messages) OR EXISTS (SELECT 1 FROM helpdesk_tickets)
        OR EXISTS (SELECT 1 FROM reviews) OR EXISTS (SELECT 1 FROM local_listings)
        THEN '0' ELSE '1001' END;
