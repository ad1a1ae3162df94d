-- The household registry (花名册): regions, households, members, history.
CREATE TABLE region (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level INTEGER NOT NULL
);

CREATE TABLE household (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL CONSTRAINT household_external_id_key UNIQUE,
    region_code TEXT NOT NULL REFERENCES region (code),
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    program TEXT,
    monthly_benefit_fen BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX household_region_idx ON household (region_code, id);

CREATE TABLE person (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    id_number TEXT NOT NULL CONSTRAINT person_id_number_key UNIQUE,
    name TEXT NOT NULL,
    name_initials TEXT NOT NULL,
    relation TEXT NOT NULL,
    co_residing BOOLEAN NOT NULL,
    disability_level INTEGER,
    disability_kind TEXT,
    serious_illness BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX person_household_idx ON person (household_id);
CREATE INDEX person_name_idx ON person (name);
CREATE INDEX person_initials_idx ON person (name_initials);

CREATE TABLE household_event (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX household_event_household_idx ON household_event (household_id, id);
