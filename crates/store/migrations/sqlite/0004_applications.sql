-- Applications and their statutory workflow: the assistance policy of each
-- region (patches with effective dates, never changed once written: a
-- decision names the versions it used), the working-day calendar loaded by
-- an administrator, the staff-relatives register, applications, their cases
-- with the domain's state as JSON beside the columns that lists sort and
-- filter by, case history, referrals, documents issued, photos of home
-- surveys, and public notices (an allow-listed copy: only what the law
-- lets a notice show).
CREATE TABLE assistance_policy (
    id INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES region (code),
    effective_from TEXT NOT NULL,
    patch TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX assistance_policy_region_idx ON assistance_policy (region_code, effective_from, id);

CREATE TABLE calendar_year (
    year BIGINT PRIMARY KEY,
    data TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

CREATE TABLE staff_relative (
    id INTEGER PRIMARY KEY,
    staff_name TEXT NOT NULL,
    staff_post TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES region (code),
    relative_id_number TEXT NOT NULL,
    relative_name TEXT NOT NULL,
    relation TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX staff_relative_id_idx ON staff_relative (relative_id_number);

CREATE TABLE application (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    region_code TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX application_household_idx ON application (household_id, id);

CREATE TABLE assistance_case (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES application (id),
    household_id BIGINT NOT NULL REFERENCES household (id),
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    open BOOLEAN NOT NULL,
    step_due TEXT,
    overall_due TEXT,
    cause TEXT,
    decided_on TEXT,
    amount_fen BIGINT,
    state TEXT NOT NULL,
    decision TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX assistance_case_region_idx ON assistance_case (region_code, open, step_due);
CREATE INDEX assistance_case_household_idx ON assistance_case (household_id, id);
CREATE INDEX assistance_case_application_idx ON assistance_case (application_id, id);

CREATE TABLE case_event (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES assistance_case (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX case_event_case_idx ON case_event (case_id, id);
CREATE INDEX case_event_kind_idx ON case_event (kind, at);

CREATE TABLE referral (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES application (id),
    need TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX referral_application_idx ON referral (application_id, id);

CREATE TABLE case_document (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES assistance_case (id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE INDEX case_document_case_idx ON case_document (case_id, id);

CREATE TABLE case_photo (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES assistance_case (id),
    event_id BIGINT NOT NULL REFERENCES case_event (id),
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX case_photo_case_idx ON case_photo (case_id, id);

CREATE TABLE public_notice (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES assistance_case (id),
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    programme TEXT NOT NULL,
    name TEXT NOT NULL,
    household_size BIGINT NOT NULL,
    amount_fen BIGINT,
    posted_on TEXT NOT NULL,
    until TEXT
);
CREATE INDEX public_notice_region_idx ON public_notice (region_code, posted_on, id);

CREATE TABLE public_objection (
    id INTEGER PRIMARY KEY,
    notice_id BIGINT NOT NULL REFERENCES public_notice (id),
    at TEXT NOT NULL,
    text TEXT NOT NULL,
    contact TEXT NOT NULL,
    from_address TEXT NOT NULL
);
CREATE INDEX public_objection_notice_idx ON public_objection (notice_id, id);
