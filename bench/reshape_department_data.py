#!/usr/bin/env python3
"""The department files of gen_department_data in the shapes departments
really deliver (`../shared/spec/datasets.md`, "Rules for every file"), for
bench/verify.sh.

    python3 bench/reshape_department_data.py CANON_DIR OUT_DIR [--seed N]
        [--death-csv PATH] [--extra-shapes]

Reads the canonical directory (members.csv and the eight department files
of crates/verify/examples/gen_department_data.rs) and writes the same rows
to OUT_DIR, each file as one department would hand it over, so that the
verification report computed from OUT_DIR equals the one of CANON_DIR byte
for byte. members.csv is the bureau's own roster and stays canonical (a hard
link). Deterministic for a seed; streams every file (memory does not grow
with the rows); the files are written by two processes at once.

Per file (encoding, line ends, headers):

  social_insurance  GBK, CRLF; Chinese aliases (公民身份号码, 费款所属期, ...),
                    one with spaces around it; columns shuffled
  pension           GBK, CRLF; English names with spaces, other case and
                    full-width letters (`ＭＯＮＴＨＬＹ＿ＡＭＯＵＮＴ＿ＹＵＡＮ`);
                    columns shuffled; check digits written `x`
  deposit           UTF-8 with BOM, CRLF, every field quoted (a bank's
                    export); Chinese aliases; an extra unknown column (账号)
  vehicle           GBK, CRLF; Chinese aliases; columns shuffled; `x`
  real_estate       GBK, CRLF; Chinese aliases; columns shuffled
  business          GBK, CRLF; English names as people type them
                    (`ID Number`, `Entity Name`, `STATUS`)
  public_payroll    UTF-8 with BOM, LF; English names, one in full-width
                    letters with an ideographic space
  death             death.xlsx (xlsxwriter, constant_memory: inline
                    strings), Chinese headers, death dates as real date
                    cells (an Excel serial number with a date format:
                    `yyyy/m/d`, built-in format 14, or `yyyy"年"m"月"d"日"`);
                    no death.csv (the engine would take the CSV first)

Per value, in every file (shares of rows, drawn per row with the seed):

  ID number     10% 15-digit first-generation numbers (only for people born
                19xx; each is checked to upgrade back to the same 18-digit
                number), 1% 15-digit padded with spaces, 5% padded with
                spaces, 2% full-width digits (and `ｘ`); in the files marked
                `x` above, every remaining check digit X as `x`
  money         30% `1,234.50` (grouped; visible from 1,000 yuan up), 20%
                `￥1234.50`, 5% `￥1,234.50`, 10% as Excel's General format
                shows it (`1234.5`, `1234`)
  area          30% grouped (no area reaches 1,000 m² in this data), 15% as
                General (`85.5`)
  date          20% `2025/10/31`, 15% `2025/1/5`, 15% `20251031`, 15%
                `2025年1月5日`, 5% `2025.10.31`
  period        20% `2025/01`, 10% `2025/1`, 20% `2025-01`, 15% `2025年1月`,
                5% `2025年01月` (the canonical `202501` is itself a
                datasets.md form)

Bad rows: a few rows that are *extra* (not in the canonical data) are
appended to several files: an ID number Excel turned into `3.40102194E+17`
(in death.xlsx a number cell), one whose last three digits became `000`, a
wrong check digit, an impossible date or month, a money or area cell `abc`.
Except for the mangled numbers they are rows of members, so a bad row the
engine took would change the report. Each is listed (file, line, column) in
OUT_DIR/shapes.json with the count of every shape; the engine must reject
exactly those rows.

--death-csv PATH also writes the death register's rows (the same shapes and
bad rows) as a CSV file, the way Excel on Chinese Windows saves that sheet
(GBK, CRLF, dates as the cells show them), for timing xlsx against CSV.

--extra-shapes adds shapes the engine refused when this script was written
(none of them is listed in datasets.md, so they are off by default; the
report then differs): full-width digits in dates and periods (2%), areas
with a unit (`85.50㎡`, `85.5平方米`, 5% each), death date cells with a
time of day (5%), and rows of empty cells that Excel leaves at the end of a
sheet (`,,,`; three per CSV file, not counted as bad rows).
"""
import argparse
import json
import os
import random
import shutil
import sys
from multiprocessing import Pool

W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
EXCEL_EPOCH_ORDINAL = 693594  # date(1899, 12, 30).toordinal()


def check_char(first17):
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, W)) % 11]


def upgrade(old15):
    """A first-generation number as GB 11643 upgrades it."""
    first17 = old15[:6] + "19" + old15[6:]
    return first17 + check_char(first17)


# The canonical columns of each kind (gen_department_data) and how each
# file is delivered: (canonical column or extra name, header text, value kind).
PROFILES = {
    "social_insurance": dict(
        encoding="gbk", bom=False, newline="\r\n", lower_x=False, quote_all=False,
        columns=[("employer_name", "单位名称", "text"), ("id_number", "公民身份号码", "id"),
                 ("contribution_base_yuan", " 缴费基数 ", "money"), ("period", "费款所属期", "period")]),
    "pension": dict(
        encoding="gbk", bom=False, newline="\r\n", lower_x=True, quote_all=False,
        columns=[("period", " Period", "period"), ("id_number", "ID_Number ", "id"),
                 ("kind", "KIND", "text"), ("monthly_amount_yuan", "ＭＯＮＴＨＬＹ＿ＡＭＯＵＮＴ＿ＹＵＡＮ", "money")]),
    "deposit": dict(
        encoding="utf-8", bom=True, newline="\r\n", lower_x=False, quote_all=True,
        columns=[("id_number", "身份证号码", "id"), ("institution", "金融机构", "text"),
                 ("+account", "账号", "account"), ("balance_yuan", "余额", "money"), ("as_of_date", "截止日期", "date")]),
    "vehicle": dict(
        encoding="gbk", bom=False, newline="\r\n", lower_x=True, quote_all=False,
        columns=[("plate_no", "号牌号码", "text"), ("vehicle_type", "车辆类型", "text"),
                 ("owner_id_number", "机动车所有人身份证号", "id"), ("registration_date", "初次登记日期", "date")]),
    "real_estate": dict(
        encoding="gbk", bom=False, newline="\r\n", lower_x=False, quote_all=False,
        columns=[("property_id", "不动产单元号", "text"), ("owner_id_number", "权利人证件号", "id"),
                 ("region_code", "坐落区划", "text"), ("usage", "用途", "text"), ("area_m2", "建筑面积", "area")]),
    "business": dict(
        encoding="gbk", bom=False, newline="\r\n", lower_x=False, quote_all=False,
        columns=[("id_number", "ID Number", "id"), ("role", "Role", "text"), ("entity_name", "Entity Name", "text"),
                 ("registered_capital_yuan", "Registered Capital Yuan", "money"), ("status", "STATUS", "text")]),
    "public_payroll": dict(
        encoding="utf-8", bom=True, newline="\n", lower_x=False, quote_all=False,
        columns=[("id_number", "Id_Number", "id"), ("unit_name", "Unit Name", "text"),
                 ("period", "ＰＥＲＩＯＤ\u3000", "period")]),
    "death": dict(
        encoding="xlsx", lower_x=False,
        columns=[("id_number", "身份证号", "id"), ("name", "姓名", "text"), ("death_date", "死亡日期", "xdate")]),
}
KINDS = ["social_insurance", "pension", "deposit", "vehicle", "real_estate", "business", "public_payroll", "death"]


class Shapes:
    """The value transforms of one file, drawing from its own generator."""

    def __init__(self, rng, lower_x, quote, extra):
        self.rnd = rng.random
        self.lower_x = lower_x
        self.quote = quote  # quote values holding a comma (files not quoted throughout)
        self.extra = extra
        self.count = {}

    def n(self, shape):
        self.count[shape] = self.count.get(shape, 0) + 1

    def id(self, v):
        r = self.rnd()
        if r < 0.11 and v[6:8] == "19":
            old = v[:6] + v[8:17]
            if upgrade(old) != v:
                raise SystemExit(f"15-digit form {old} does not upgrade to {v}")
            if r < 0.01:
                self.n("id: 15-digit padded")
                return " " + old + " "
            self.n("id: 15-digit")
            return old
        if self.lower_x and v[17] == "X":
            self.n("id: check digit x")
            v = v[:17] + "x"
        if 0.11 <= r < 0.16:
            self.n("id: padded with spaces")
            return ("  " + v + " ") if r < 0.135 else (" " + v)
        if 0.16 <= r < 0.18:
            self.n("id: full-width digits")
            return v.translate(FULL_WIDTH)
        return v

    def _grouped(self, v):
        whole, _, frac = v.partition(".")
        if len(whole) <= 3:
            return v
        head = len(whole) % 3 or 3
        parts = [whole[:head]] + [whole[i:i + 3] for i in range(head, len(whole), 3)]
        return ",".join(parts) + ("." + frac if frac else "")

    def _general(self, v):
        if "." in v:
            v = v.rstrip("0").rstrip(".")
        return v

    def _q(self, v):
        return '"' + v + '"' if self.quote and "," in v else v

    def money(self, v):
        r = self.rnd()
        if r < 0.30:
            g = self._grouped(v)
            self.n("money: 1,234.50" if g != v else "money: grouped, under 1,000 (unchanged)")
            return self._q(g)
        if r < 0.50:
            self.n("money: ￥1234.50")
            return "￥" + v
        if r < 0.55:
            self.n("money: ￥1,234.50")
            return self._q("￥" + self._grouped(v))
        if r < 0.65:
            g = self._general(v)
            self.n("money: General (1234.5)" if g != v else "money: General, unchanged")
            return g
        return v

    def area(self, v):
        r = self.rnd()
        if r < 0.30:
            g = self._grouped(v)
            self.n("area: 1,234.50" if g != v else "area: grouped, under 1,000 (unchanged)")
            return self._q(g)
        if r < 0.45:
            g = self._general(v)
            self.n("area: General (85.5)" if g != v else "area: General, unchanged")
            return g
        if self.extra and r < 0.50:
            self.n("area (extra): 85.50㎡")
            return v + "㎡"
        if self.extra and r < 0.55:
            self.n("area (extra): 85.5平方米")
            return self._general(v) + "平方米"
        return v

    def date(self, v):
        y, m, d = v[:4], v[5:7], v[8:10]
        r = self.rnd()
        if r < 0.20:
            self.n("date: 2025/10/31")
            return f"{y}/{m}/{d}"
        if r < 0.35:
            self.n("date: 2025/1/5")
            return f"{y}/{int(m)}/{int(d)}"
        if r < 0.50:
            self.n("date: 20251031")
            return y + m + d
        if r < 0.65:
            self.n("date: 2025年1月5日")
            return f"{y}年{int(m)}月{int(d)}日"
        if r < 0.70:
            self.n("date: 2025.10.31")
            return f"{y}.{m}.{d}"
        if self.extra and r < 0.72:
            self.n("date (extra): full-width digits")
            return v.translate(FULL_WIDTH)
        return v

    def period(self, v):
        y, m = v[:4], v[4:6]
        r = self.rnd()
        if r < 0.20:
            self.n("period: 2025/01")
            return f"{y}/{m}"
        if r < 0.30:
            self.n("period: 2025/1")
            return f"{y}/{int(m)}"
        if r < 0.50:
            self.n("period: 2025-01")
            return f"{y}-{m}"
        if r < 0.65:
            self.n("period: 2025年1月")
            return f"{y}年{int(m)}月"
        if r < 0.70:
            self.n("period: 2025年01月")
            return f"{y}年{m}月"
        if self.extra and r < 0.72:
            self.n("period (extra): full-width digits")
            return f"{y}年{int(m)}月".translate(FULL_WIDTH)
        return v


def some_members(canon, rng, n):
    """n ID numbers of members (from the first lines of the roster)."""
    ids = []
    with open(os.path.join(canon, "members.csv"), encoding="utf-8") as f:
        next(f)
        for _, line in zip(range(2000), f):
            ids.append(line.rstrip("\n").split(",")[1])
    return rng.sample(ids, n)


def wrong_check(v):
    c = "10X98765432"
    return v[:17] + c[(c.index(v[17]) + 1) % 11]


def bad_rows(kind, members):
    """Extra rows the engine must reject: (why, column, {canonical column: value})."""
    a, b, c = members[:3]
    # `000` for the last three digits is a valid number for about one ID in
    # eleven: take a member for whom it is not.
    truncated = next(m[:15] + "000" for m in members if check_char(m[:15] + "00") != "0")
    sci = "3.40102194E+17"
    rows = {
        "social_insurance": [
            ("ID number in scientific notation", "id_number",
             dict(id_number=sci, period="202510", employer_name="单位1", contribution_base_yuan="5000.00")),
            ("wrong check digit", "id_number",
             dict(id_number=wrong_check(a), period="202510", employer_name="单位1", contribution_base_yuan="5000.00")),
            ("money abc", "contribution_base_yuan",
             dict(id_number=b, period="202510", employer_name="单位1", contribution_base_yuan="abc")),
        ],
        "pension": [
            ("impossible month", "period", dict(id_number=a, period="2025年13月", monthly_amount_yuan="900.00", kind="城乡居民")),
            ("last three digits 000 (Excel)", "id_number",
             dict(id_number=truncated, period="202510", monthly_amount_yuan="900.00", kind="城乡居民")),
        ],
        "deposit": [
            ("impossible date", "as_of_date", dict(id_number=a, institution="银行1", balance_yuan="1000.00", as_of_date="2025-02-30")),
            ("money abc", "balance_yuan", dict(id_number=c, institution="银行1", balance_yuan="abc", as_of_date="2025-10-31")),
        ],
        "vehicle": [
            ("impossible date", "registration_date",
             dict(owner_id_number=b, plate_no="皖A99999", vehicle_type="小型轿车", registration_date="2020/02/30")),
            ("ID number in scientific notation", "owner_id_number",
             dict(owner_id_number=sci, plate_no="皖A99998", vehicle_type="小型轿车", registration_date="2020-01-01")),
        ],
        "real_estate": [
            ("area abc", "area_m2", dict(owner_id_number=a, property_id="P-bad", usage="住宅", area_m2="abc", region_code="349901")),
            ("wrong check digit", "owner_id_number",
             dict(owner_id_number=wrong_check(c), property_id="P-bad2", usage="住宅", area_m2="90.00", region_code="349901")),
        ],
        "death": [
            ("ID number stored as a number (3.40102194E+17)", "id_number", dict(id_number=340102194000000000, name="某人", death_date=45717)),
            ("impossible date (text)", "death_date", dict(id_number=a, name="某人", death_date="2025-02-30")),
            ("wrong check digit", "id_number", dict(id_number=wrong_check(b), name="某人", death_date=45717)),
        ],
    }
    return rows.get(kind, [])


def account(i):
    return f"6217{i:015d}"


def reshape_csv(task):
    kind, canon, tmp, seed, extra = task
    p = PROFILES[kind]
    rng = random.Random(f"{seed}:{kind}")
    shapes = Shapes(rng, p["lower_x"], quote=not p["quote_all"], extra=extra)
    src = os.path.join(canon, f"{kind}.csv")
    with open(src, encoding="utf-8", newline="") as fin:
        canon_header = fin.readline().rstrip("\n").split(",")
        plan = []
        for name, _, vk in p["columns"]:
            fn = {"id": shapes.id, "money": shapes.money, "area": shapes.area, "date": shapes.date,
                  "period": shapes.period}.get(vk)
            plan.append((-1 if name.startswith("+") else canon_header.index(name), fn))
        nl = p["newline"]
        qa = p["quote_all"]
        header = [h for _, h, _ in p["columns"]]
        out_path = os.path.join(tmp, f"{kind}.csv")
        with open(out_path, "w", encoding=p["encoding"], newline="") as fout:
            if p["bom"]:
                fout.write("\ufeff")
            fout.write(",".join(('"' + h + '"') if qa else h for h in header) + nl)
            buf = []
            rows = 0
            for line in fin:
                vals = line.rstrip("\n").split(",")
                out = []
                for idx, fn in plan:
                    if idx < 0:
                        v = account(rows)
                    elif fn is None:
                        v = vals[idx]
                    else:
                        v = fn(vals[idx])
                    out.append(v)
                if qa:
                    buf.append('"' + '","'.join(out) + '"' + nl)
                else:
                    buf.append(",".join(out) + nl)
                rows += 1
                if len(buf) == 8192:
                    fout.write("".join(buf))
                    buf.clear()
            fout.write("".join(buf))
            line_no = rows + 1  # the header is line 1
            bad = []
            members = some_members(canon, random.Random(f"{seed}:{kind}:bad"), 20)
            for why, column, row in bad_rows(kind, members):
                out = [row.get(name, "") if not name.startswith("+") else account(rows) for name, _, _ in p["columns"]]
                out = [('"' + v + '"') if (qa or "," in v) else v for v in out]
                fout.write(",".join(out) + nl)
                line_no += 1
                bad.append(dict(line=line_no, column=dict((n, h) for n, h, _ in p["columns"])[column], why=why))
            if extra:
                for _ in range(3):
                    fout.write("," * (len(header) - 1) + nl)
    return kind, dict(file=f"{kind}.csv", encoding=p["encoding"] + (" with BOM" if p["bom"] else ""),
                      newline="CRLF" if p["newline"] == "\r\n" else "LF", quoted=qa, header=header, rows=rows,
                      shapes=shapes.count, bad_rows=bad)


def reshape_death(task):
    kind, canon, tmp, seed, extra, death_csv = task
    import xlsxwriter

    p = PROFILES[kind]
    rng = random.Random(f"{seed}:{kind}")
    shapes = Shapes(rng, p["lower_x"], quote=True, extra=extra)
    fmt_rnd = random.Random(f"{seed}:{kind}:format").random
    wb = xlsxwriter.Workbook(os.path.join(tmp, "death.xlsx"), {"constant_memory": True})
    from datetime import datetime
    wb.set_properties({"created": datetime(2025, 11, 3, 9, 0, 0)})  # the same bytes on every run
    ws = wb.add_worksheet("死亡人员")
    short = wb.add_format({"num_format": 14})  # yyyy/m/d on Chinese Windows
    long_ = wb.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    with_time = wb.add_format({"num_format": "yyyy/m/d h:mm"})
    ws.set_column(0, 0, 22)
    ws.set_column(2, 2, 14)
    header = [h for _, h, _ in p["columns"]]
    ws.write_row(0, 0, header)
    csv_out = open(death_csv, "w", encoding="gbk", newline="") if death_csv else None
    if csv_out:
        csv_out.write(",".join(header) + "\r\n")

    def shown(serial, fmt):
        """The cell as Excel shows it (and writes it to CSV)."""
        from datetime import date
        day = date.fromordinal(EXCEL_EPOCH_ORDINAL + int(serial))
        if fmt is long_:
            return f"{day.year}年{day.month}月{day.day}日"
        text = f"{day.year}/{day.month}/{day.day}"
        if fmt is with_time:
            minutes = round((serial - int(serial)) * 1440)
            text += f" {minutes // 60}:{minutes % 60:02d}"
        return text

    from datetime import date
    rows = 0
    buf = []
    with open(os.path.join(canon, "death.csv"), encoding="utf-8") as fin:
        canon_header = fin.readline().rstrip("\n").split(",")
        i_id, i_name, i_date = (canon_header.index(c) for c in ("id_number", "name", "death_date"))
        for line in fin:
            vals = line.rstrip("\n").split(",")
            rows += 1
            idv = shapes.id(vals[i_id])
            v = vals[i_date]
            serial = date(int(v[:4]), int(v[5:7]), int(v[8:10])).toordinal() - EXCEL_EPOCH_ORDINAL
            r = fmt_rnd()
            if extra and r < 0.05:
                fmt = with_time
                serial += (8 * 60 + int(r * 10000) % 600) / 1440  # a time of day, 8:00 to 17:59
                shapes.n("death date (extra): date cell with a time of day")
            elif r < 0.80:
                fmt = short
                shapes.n("death date: date cell yyyy/m/d")
            else:
                fmt = long_
                shapes.n('death date: date cell yyyy"年"m"月"d"日"')
            ws.write_string(rows, 0, idv)
            ws.write_string(rows, 1, vals[i_name])
            ws.write_number(rows, 2, serial, fmt)
            if csv_out:
                buf.append(f"{idv},{vals[i_name]},{shown(serial, fmt)}\r\n")
                if len(buf) == 8192:
                    csv_out.write("".join(buf))
                    buf.clear()
    bad = []
    members = some_members(canon, random.Random(f"{seed}:{kind}:bad"), 20)
    for why, column, row in bad_rows(kind, members):
        rows_written = rows + len(bad) + 1
        idv, name, dd = row["id_number"], row["name"], row["death_date"]
        if isinstance(idv, str):
            ws.write_string(rows_written, 0, idv)
        else:
            ws.write_number(rows_written, 0, idv)
        ws.write_string(rows_written, 1, name)
        if isinstance(dd, str):
            ws.write_string(rows_written, 2, dd)
        else:
            ws.write_number(rows_written, 2, dd, short)
        if csv_out:
            id_text = idv if isinstance(idv, str) else "3.40102194E+17"
            buf.append(f"{id_text},{name},{dd if isinstance(dd, str) else shown(dd, short)}\r\n")
        bad.append(dict(line=rows_written + 1, column=dict((n, h) for n, h, _ in p["columns"])[column], why=why))
    wb.close()
    info = dict(file="death.xlsx", encoding="xlsx (inline strings, date cells)", header=header, rows=rows,
                shapes=shapes.count, bad_rows=bad)
    if csv_out:
        csv_out.write("".join(buf))
        csv_out.close()
        info["csv_twin"] = dict(file=death_csv, encoding="gbk", newline="CRLF",
                                bad_rows=[dict(b) for b in bad])
    return kind, info


def run(task):
    return reshape_death(task) if task[0] == "death" else reshape_csv(task)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("canon")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--death-csv", help="also write the death register's rows as CSV (GBK, as Excel saves it) here")
    ap.add_argument("--extra-shapes", action="store_true",
                    help="add shapes outside datasets.md that the engine refused when this was written")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        sys.exit("xlsxwriter is missing: pip install xlsxwriter")
    out = args.out.rstrip("/")
    if args.death_csv and os.path.abspath(os.path.dirname(args.death_csv)) == os.path.abspath(out):
        sys.exit("--death-csv must be outside OUT_DIR (the engine takes death.csv before death.xlsx)")
    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    # The roster stays canonical: linked, not copied.
    try:
        os.link(os.path.join(args.canon, "members.csv"), os.path.join(tmp, "members.csv"))
    except OSError:
        shutil.copyfile(os.path.join(args.canon, "members.csv"), os.path.join(tmp, "members.csv"))
    present = [k for k in KINDS if os.path.exists(os.path.join(args.canon, f"{k}.csv"))]
    # Largest first, so the two processes finish together.
    present.sort(key=lambda k: -os.path.getsize(os.path.join(args.canon, f"{k}.csv")))
    tasks = [(k, args.canon, tmp, args.seed, args.extra_shapes) + ((args.death_csv,) if k == "death" else ())
             for k in present]
    with Pool(args.jobs) as pool:
        results = dict(pool.imap_unordered(run, tasks))
    files = {k: results[k] for k in KINDS if k in results}
    manifest = dict(
        canonical=os.path.abspath(args.canon), seed=args.seed, extra_shapes=args.extra_shapes,
        planted_bad_rows=sum(len(f["bad_rows"]) for f in files.values()), files=files)
    with open(os.path.join(tmp, "shapes.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    # A summary: every shape with its share of the file's rows.
    for kind, f in files.items():
        print(f"{f['file']:<22} {f['encoding']}, {f.get('newline', '-')}, {f['rows']:,} rows + {len(f['bad_rows'])} bad;"
              f" header: {','.join(f['header'])}")
        for shape, n in sorted(f["shapes"].items()):
            print(f"    {shape:<48} {n:>10,}  {100 * n / max(f['rows'], 1):5.1f}%")
    print(f"planted bad rows: {manifest['planted_bad_rows']}")


if __name__ == "__main__":
    main()
