"""Times jiuzhu's household list and ID search over HTTP.

Samples region codes (townships, villages) and ID numbers from the database
itself, then requests each from a keep-alive connection, after a warm-up
pass, and prints median and 95th percentile per query kind. Uses only the
Python standard library.
"""
import argparse
import http.client
import random
import sqlite3
import statistics
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--db", required=True)
parser.add_argument("--base", required=True)
parser.add_argument("--samples", type=int, default=300)
parser.add_argument("--seed", type=int, default=11)
parser.add_argument("--login", default="bench")
parser.add_argument("--password", default="Qinghe-2025-perf")
args = parser.parse_args()

rng = random.Random(args.seed)
con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
n_households = con.execute("SELECT MAX(id) FROM household").fetchone()[0]
villages = [r[0] for r in con.execute("SELECT code FROM region WHERE level = 5")]
townships = [r[0] for r in con.execute("SELECT code FROM region WHERE level = 4")]
# ID numbers of members of randomly chosen households (uniform over the table).
ids = []
while len(ids) < args.samples:
    hid = rng.randint(1, n_households)
    row = con.execute("SELECT id_number FROM person WHERE household_id = ? LIMIT 1", (hid,)).fetchone()
    if row:
        ids.append(row[0])
con.close()

url = urllib.parse.urlparse(args.base)
conn = http.client.HTTPConnection(url.hostname, url.port)

# Sign in like a browser and keep the session cookie.
form = urllib.parse.urlencode({"login": args.login, "password": args.password, "next": "/households"})
conn.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
res = conn.getresponse()
res.read()
assert res.status == 303, f"sign-in failed: {res.status}"
cookie = res.getheader("Set-Cookie").split(";")[0]


def get(path):
    start = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    res = conn.getresponse()
    body = res.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert res.status == 200, (path, res.status)
    return elapsed, body


kinds = {
    "list, whole county (page 1)": ["/households?region=349901"] * args.samples,
    "list, village filter (page 1)": [f"/households?region={rng.choice(villages)}" for _ in range(args.samples)],
    "list, township filter (page 1)": [f"/households?region={rng.choice(townships)}" for _ in range(args.samples)],
    "list, township filter (page 5)": [f"/households?region={rng.choice(townships)}&page=5" for _ in range(args.samples)],
    "search by ID number (page)": [f"/households?q={i}" for i in ids],
    "search by ID number (API)": [f"/api/households?q={i}" for i in ids],
}

print(f"{n_households:,} households; {args.samples} requests per kind, after a warm-up pass\n")
print(f"{'query':34} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  target")
ok = True
for name, paths in kinds.items():
    for p in paths[:20]:
        get(p)
    times = []
    for p in paths:
        elapsed, body = get(p)
        times.append(elapsed)
        if "ID number" in name:
            assert b"household" in body or b"rows" in body
    times.sort()
    median = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    passed = median < 50
    ok &= passed
    print(f"{name:34} {median:10.2f} {p95:8.2f} {times[-1]:8.2f}  {'< 50 ms ok' if passed else 'MISSED'}")
print("\nall medians under 50 ms" if ok else "\nSOME MEDIANS MISSED THE TARGET")
