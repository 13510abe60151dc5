
    CREATE TABLE disclosures (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        original_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('original', 'amendment', 'review')),
        site TEXT NOT NULL,
        content TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX disclosures_original ON disclosures (original_id);
    CREATE TABLE disclosure_members (
        disclosure_id TEXT NOT NULL,
        site TEXT NOT NULL,
        member_id TEXT NOT NULL,
        PRIMARY KEY (disclosure_id, site, member_id)
    );
    CREATE INDEX disclosure_members_member ON disclosure_members (site, member_id);
    