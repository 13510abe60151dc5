CREATE TABLE search_terms (
            key TEXT NOT NULL, site TEXT NOT NULL, member_id TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (key, site, member_id)
         ) WITHOUT ROWID;
         CREATE TABLE pm_recipients (
            site TEXT NOT NULL, member_id TEXT NOT NULL, message_id TEXT NOT NULL,
            PRIMARY KEY (site, member_id, message_id)
         ) WITHOUT ROWID;
         CREATE INDEX pm_recipients_message ON pm_recipients (site, message_id);
         CREATE INDEX helpdesk_tickets_requester ON helpdesk_tickets
            (site, lower(json_extract(data, '$.requester_email')));
         CREATE TRIGGER private_messages_rcpt_del AFTER DELETE ON private_messages BEGIN
           DELETE FROM pm_recipients WHERE site = OLD.site AND message_id = OLD.id;
         END;
         INSERT OR IGNORE INTO pm_recipients (site, member_id, message_id)
           SELECT r.site, j.value, r.id FROM private_messages r, json_each(r.data, '$.recipient_ids') j
           WHERE j.type = 'text';
        CREATE TRIGGER members_search_del AFTER DELETE ON members BEGIN UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 1)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 1)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 2)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 2)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 3)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 3)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 4)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 4)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 5)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 5)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 6)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 6)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 7)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 7)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 8)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 8)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 9)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 9)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 10)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 10)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('members', OLD.data, 11)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('members', OLD.data, 11)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
 END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM members r, json_each(desk_terms('members', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            CREATE TRIGGER social_accounts_search_del AFTER DELETE ON social_accounts BEGIN UPDATE search_terms SET n = n - 1 WHERE key = desk_term('social_accounts', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('social_accounts', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
 END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM social_accounts r, json_each(desk_terms('social_accounts', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            CREATE TRIGGER helpdesk_tickets_search_del AFTER DELETE ON helpdesk_tickets BEGIN UPDATE search_terms SET n = n - 1 WHERE key = desk_term('helpdesk_tickets', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('helpdesk_tickets', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
 END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM helpdesk_tickets r, json_each(desk_terms('helpdesk_tickets', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            CREATE TRIGGER posts_search_del AFTER DELETE ON posts BEGIN UPDATE search_terms SET n = n - 1 WHERE key = desk_term('posts', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('posts', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('posts', OLD.data, 1)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('posts', OLD.data, 1)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('posts', OLD.data, 2)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('posts', OLD.data, 2)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
UPDATE search_terms SET n = n - 1 WHERE key = desk_term('posts', OLD.data, 3)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('posts', OLD.data, 3)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
 END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM posts r, json_each(desk_terms('posts', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            CREATE TRIGGER login_events_search_del AFTER DELETE ON login_events BEGIN UPDATE search_terms SET n = n - 1 WHERE key = desk_term('login_events', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('login_events', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
 END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM login_events r, json_each(desk_terms('login_events', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            CREATE TRIGGER competition_entries_search_del AFTER DELETE ON competition_entries BEGIN UPDATE search_terms SET n = n - 1 WHERE key = desk_term('competition_entries', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('competition_entries', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
 END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM competition_entries r, json_each(desk_terms('competition_entries', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            CREATE TRIGGER local_listings_search_del AFTER DELETE ON local_listings BEGIN UPDATE search_terms SET n = n - 1 WHERE key = desk_term('local_listings', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '');
                     DELETE FROM search_terms WHERE key = desk_term('local_listings', OLD.data, 0)
                       AND site = OLD.site AND member_id = coalesce(OLD.member_id, '') AND n <= 0;
 END;
             INSERT INTO search_terms (key, site, member_id, n)
               SELECT value, r.site, coalesce(r.member_id, ''), 1
               FROM local_listings r, json_each(desk_terms('local_listings', r.data)) WHERE true
               ON CONFLICT (key, site, member_id) DO UPDATE SET n = n + 1;
            