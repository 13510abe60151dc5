
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE users (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('dpo', 'staff', 'auditor')),
            slot_tag TEXT NOT NULL UNIQUE,
            public_key BLOB NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT
        );
        CREATE TABLE audit (
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
        CREATE TABLE exports (
            site TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            kind TEXT NOT NULL,
            base_sequence INTEGER,
            generated_at TEXT NOT NULL,
            synced_at TEXT NOT NULL,
            synced_by TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            files TEXT NOT NULL,
            PRIMARY KEY (site, sequence)
        );
        CREATE TABLE holds (
            site TEXT NOT NULL,
            member_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            set_at TEXT NOT NULL,
            set_by TEXT NOT NULL,
            PRIMARY KEY (site, member_id)
        );
        CREATE TABLE members (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX members_id ON members (site, id);
            CREATE INDEX members_member ON members (site, member_id);
            CREATE TABLE consent_events (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX consent_events_id ON consent_events (site, id);
            CREATE INDEX consent_events_member ON consent_events (site, member_id);
            CREATE TABLE children (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX children_id ON children (site, id);
            CREATE INDEX children_member ON children (site, member_id);
            CREATE TABLE login_events (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX login_events_id ON login_events (site, id);
            CREATE INDEX login_events_member ON login_events (site, member_id);
            CREATE TABLE social_accounts (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX social_accounts_id ON social_accounts (site, id);
            CREATE INDEX social_accounts_member ON social_accounts (site, member_id);
            CREATE TABLE posts (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX posts_id ON posts (site, id);
            CREATE INDEX posts_member ON posts (site, member_id);
            CREATE TABLE private_messages (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX private_messages_id ON private_messages (site, id);
            CREATE INDEX private_messages_member ON private_messages (site, member_id);
            CREATE TABLE competition_entries (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX competition_entries_id ON competition_entries (site, id);
            CREATE INDEX competition_entries_member ON competition_entries (site, member_id);
            CREATE TABLE survey_responses (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX survey_responses_id ON survey_responses (site, id);
            CREATE INDEX survey_responses_member ON survey_responses (site, member_id);
            CREATE TABLE helpdesk_tickets (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX helpdesk_tickets_id ON helpdesk_tickets (site, id);
            CREATE INDEX helpdesk_tickets_member ON helpdesk_tickets (site, member_id);
            CREATE TABLE newsletter_engagement (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX newsletter_engagement_id ON newsletter_engagement (site, id);
            CREATE INDEX newsletter_engagement_member ON newsletter_engagement (site, member_id);
            CREATE TABLE local_listings (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX local_listings_id ON local_listings (site, id);
            CREATE INDEX local_listings_member ON local_listings (site, member_id);
            CREATE TABLE reviews (
                site TEXT NOT NULL,
                id TEXT NOT NULL,
                member_id TEXT,
                data TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                deleted_seq INTEGER,
                deleted_at TEXT
            );
            CREATE UNIQUE INDEX reviews_id ON reviews (site, id);
            CREATE INDEX reviews_member ON reviews (site, member_id);
            