
    CREATE TABLE privacy_facts (
        site TEXT PRIMARY KEY,
        content TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    CREATE TABLE privacy_facts_history (
        seq INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        content TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    