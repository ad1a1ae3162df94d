"""Department files for the households of a roster, for bench/verify_db.sh.

    python3 bench/gen_from_roster.py ROSTER.csv OUT_DIR ROWS [SEED]

Writes the eight dataset kinds the household sums read, ROWS rows in all,
in the layout of datasets.md. About a fifth of the rows concern people of
the roster; the rest concern other residents (valid ID numbers outside it).
Deterministic for a seed.
"""
import csv
import os
import random
import sys

WEIGHTS = {  # share of the rows per kind
    "social_insurance": 0.30, "pension": 0.20, "vehicle": 0.10, "real_estate": 0.12,
    "business": 0.05, "deposit": 0.15, "death": 0.04, "public_payroll": 0.04,
}
HEADERS = {
    "vehicle": "机动车所有人身份证号,号牌号码,车辆类型,初次登记日期",
    "real_estate": "权利人证件号,不动产单元号,用途,建筑面积,坐落区划",
    "business": "身份证号,身份,市场主体名称,注册资本,登记状态",
    "social_insurance": "身份证号,费款所属期,单位名称,缴费基数",
    "pension": "身份证号,发放年月,月养老金,险种",
    "deposit": "身份证号,金融机构,余额,截止日期",
    "death": "身份证号,姓名,死亡日期",
    "public_payroll": "身份证号,单位名称,所属期",
}
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check(first17):
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, W)) % 11]


def stranger(rng):
    body = f"3499{rng.randint(21, 99):02d}{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + check(body)


def row(kind, pid, rng, n):
    if kind == "vehicle":
        t = "摩托车" if rng.random() < 0.3 else "小型轿车"
        return f"{pid},皖N{n % 100000:05d},{t},2019-05-01"
    if kind == "real_estate":
        u = "住宅" if rng.random() < 0.8 else "车位"
        return f"{pid},U{n},{u},{rng.randint(20, 140)}.{rng.randint(0, 99):02d},349901001001"
    if kind == "business":
        s = "存续" if rng.random() < 0.6 else "注销"
        return f"{pid},经营者,某某商店{n},50000,{s}"
    if kind == "social_insurance":
        return f"{pid},2025-0{rng.randint(1, 9)},某某有限公司,{rng.randint(2000, 9000)}.{rng.randint(0, 99):02d}"
    if kind == "pension":
        return f"{pid},2025-0{rng.randint(1, 9)},{rng.randint(150, 4000)}.50,城乡居民基本养老保险"
    if kind == "deposit":
        return f"{pid},某银行,{rng.randint(0, 200000)}.{rng.randint(0, 99):02d},2025-09-30"
    if kind == "death":
        return f"{pid},某,2025-09-01"
    return f"{pid},某单位,2025-09"


def main():
    roster, out, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 2025)
    with open(roster, encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = next(i for i, h in enumerate(header) if h in ("身份证号", "id_number"))
        ids = [r[col] for r in reader]
    os.makedirs(out, exist_ok=True)
    for kind, share in WEIGHTS.items():
        with open(os.path.join(out, f"{kind}.csv"), "w", encoding="utf-8") as f:
            f.write(HEADERS[kind] + "\n")
            for n in range(int(rows * share)):
                pid = rng.choice(ids) if rng.random() < 0.2 else stranger(rng)
                f.write(row(kind, pid, rng, n) + "\n")


if __name__ == "__main__":
    main()
