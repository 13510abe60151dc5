
    CREATE TABLE requests (
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
    CREATE INDEX requests_member ON requests (site, member_id);
    CREATE TABLE request_events (
        ref TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (ref, seq)
    );
    CREATE TABLE request_calendars (
        site TEXT PRIMARY KEY,
        calendar TEXT NOT NULL,
        set_at TEXT NOT NULL,
        set_by TEXT NOT NULL
    );
    