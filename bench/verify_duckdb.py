"""The peer of `jiuzhu verify`: DuckDB computing the same household sums in
SQL on the same files (`../shared/spec/verification.md`).

    python3 bench/verify_duckdb.py MEMBERS.csv DATA_DIR OUT.csv [THREADS]

Amounts are converted to fen as exact decimals; averages are
floor((2s + n) / (2n)); a dataset not supplied contributes zero. The data
of the benchmark is clean (canonical 18-character ID numbers), so ID
numbers are compared as text.
"""
import os
import sys

import duckdb

members, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET preserve_insertion_order = false")


def src(kind):
    path = os.path.join(data, f"{kind}.csv")
    if os.path.exists(path):
        return f"read_csv('{path}', header = true, all_varchar = true)"
    return None


def fen(col):
    return f"CAST(round(CAST(replace({col}, ',', '') AS DECIMAL(18,2)) * 100) AS BIGINT)"


parts = []
joins = []


def add(name, sql, columns):
    parts.append(f"{name} AS ({sql})")
    joins.append((name, columns))


if src("social_insurance"):
    add("si", f"SELECT id_number AS id, (2 * sum({fen('contribution_base_yuan')}) + count(*)) // (2 * count(*)) AS wage FROM {src('social_insurance')} GROUP BY 1", ["wage"])
if src("pension"):
    add("pe", f"SELECT id_number AS id, (2 * sum({fen('monthly_amount_yuan')}) + count(*)) // (2 * count(*)) AS pension FROM {src('pension')} GROUP BY 1", ["pension"])
if src("vehicle"):
    add("ve", f"SELECT owner_id_number AS id, count(*) FILTER (WHERE vehicle_type NOT IN ('摩托车', '残疾人专用车', '电动自行车')) AS vehicles FROM {src('vehicle')} GROUP BY 1", ["vehicles"])
if src("real_estate"):
    add("re", f"SELECT owner_id_number AS id, count(*) FILTER (WHERE usage = '住宅') AS homes, coalesce(sum({fen('area_m2')}) FILTER (WHERE usage = '住宅'), 0) AS area, count(*) FILTER (WHERE usage <> '住宅') AS other FROM {src('real_estate')} GROUP BY 1", ["homes", "area", "other"])
if src("business"):
    add("bu", f"SELECT id_number AS id, count(*) FILTER (WHERE status IN ('存续', '在业', '开业')) AS businesses FROM {src('business')} GROUP BY 1", ["businesses"])
if src("deposit"):
    add("de", f"SELECT id_number AS id, sum({fen('balance_yuan')}) AS deposits FROM {src('deposit')} GROUP BY 1", ["deposits"])
if src("death"):
    add("dd", f"SELECT DISTINCT id_number AS id, 1 AS deceased FROM {src('death')}", ["deceased"])
if src("public_payroll"):
    add("pp", f"SELECT DISTINCT id_number AS id, 1 AS payroll FROM {src('public_payroll')}", ["payroll"])

all_columns = ["wage", "pension", "vehicles", "homes", "area", "other", "businesses", "deposits", "deceased", "payroll"]
present = {c: name for name, cols in joins for c in cols}
select = ",\n  ".join(f"coalesce({present[c]}.{c}, 0) AS {c}" if c in present else f"0 AS {c}" for c in all_columns)
join_sql = "\n".join(f"LEFT JOIN {name} ON {name}.id = m.id" for name, _ in joins)
with_sql = ("WITH " + ",\n".join(parts) + ",\n") if parts else "WITH "
sql = f"""
{with_sql} m AS (SELECT DISTINCT household_id, id_number AS id FROM read_csv('{members}', header = true, all_varchar = true)),
p AS (SELECT m.household_id, {select} FROM m {join_sql})
SELECT household_id, count(*) AS members, sum(wage) AS wage_fen, sum(pension) AS pension_fen, sum(vehicles) AS vehicles,
       sum(homes) AS homes, printf('%d.%02d', sum(area) // 100, sum(area) % 100) AS home_area_m2, sum(other) AS other_properties,
       sum(businesses) AS businesses, sum(deposits) AS deposits_fen, sum(deceased) AS deceased, sum(payroll) AS public_payroll
FROM p GROUP BY household_id ORDER BY household_id
"""
con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")
