
    CREATE TABLE conflict_check (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at TEXT NOT NULL,
        checked_by TEXT NOT NULL,
        exports_seen INTEGER NOT NULL,
        total INTEGER NOT NULL,
        counts TEXT NOT NULL
    );
    CREATE TABLE conflicts_found (
        seq INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        member_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT,
        content TEXT NOT NULL
    );
    CREATE INDEX conflicts_found_order ON conflicts_found (site, member_id, kind, at);
    CREATE INDEX conflicts_found_kind ON conflicts_found (kind, site, member_id, at);
    