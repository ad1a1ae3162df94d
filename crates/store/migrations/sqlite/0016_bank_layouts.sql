-- A county's own bank file layout (代发文件格式, issue 12 point 3): columns,
-- header, trailer, encoding, CSV/fixed-width/xlsx, as the JSON of
-- jiuzhu_domain::payment::layout::BankLayout. Versions are only inserted:
-- the newest of a region is the one in force, older ones stay readable.
-- A roll remembers the layout its file was first exported with
-- (payment_roll_layout; no row, or a NULL layout_id: the 一卡通 default), so a
-- re-export gives the same bytes and its return is read in the same layout
-- whatever the county records later.
CREATE TABLE bank_layout (
    id INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL,
    name TEXT NOT NULL,
    layout TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX bank_layout_region_idx ON bank_layout (region_code, id);

CREATE TABLE payment_roll_layout (
    roll_id BIGINT PRIMARY KEY REFERENCES payment_roll (id),
    layout_id BIGINT REFERENCES bank_layout (id)
);
