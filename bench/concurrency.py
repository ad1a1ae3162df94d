"""Drives jiuzhu with many signed-in clients at once and reports, per kind
of request, requests per second, median, 95th percentile, maximum and
errors.

Each client is a thread with its own keep-alive connection and session: it
signs in (all at once, at the start), then, until the time is up, picks a
request by weight: a household page (audited read), the household by id
through the API (audited read), a search by ID number (audited), a page of
the household list of a township, or an edit of a household (read with its
version, written back; a 409 conflict is an answer, not an error). An error
is any 5xx, any other unexpected status, or a failed connection.

Samples household ids, township codes and ID numbers from the SQLite file
of the same demo county (`--db`); the PostgreSQL copy is loaded from the
same generator, so the same values exist there. Uses only the Python
standard library.
"""
import argparse
import http.client
import json
import random
import sqlite3
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--db", required=True, help="SQLite file of the demo county (for samples)")
parser.add_argument("--base", required=True)
parser.add_argument("--clients", type=int, default=50)
parser.add_argument("--seconds", type=float, default=60)
parser.add_argument("--seed", type=int, default=17)
parser.add_argument("--login", default="bench")
parser.add_argument("--password", default="Qinghe-2025-perf")
parser.add_argument("--label", default="")
parser.add_argument("--json", help="also write the results here")
args = parser.parse_args()

WEIGHTS = [("page", 30), ("api_read", 25), ("search_id", 20), ("list", 20), ("edit", 5)]

con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
n_households = con.execute("SELECT MAX(id) FROM household").fetchone()[0]
townships = [r[0] for r in con.execute("SELECT code FROM region WHERE level = 4")]
rng = random.Random(args.seed)
id_numbers = []
while len(id_numbers) < 2000:
    row = con.execute(
        "SELECT id_number FROM person WHERE household_id = ? LIMIT 1", (rng.randint(1, n_households),)
    ).fetchone()
    if row:
        id_numbers.append(row[0])
con.close()

url = urllib.parse.urlparse(args.base)
lock = threading.Lock()
samples = {}  # kind -> list of (ms, ok)
conflicts = [0]
failures = []  # the first few errors, to show what went wrong


def record(kind, ms, ok, what=""):
    with lock:
        samples.setdefault(kind, []).append((ms, ok))
        if not ok and len(failures) < 10:
            failures.append(f"{kind}: {what}")


class Client:
    def __init__(self, n):
        self.rng = random.Random(args.seed * 1000 + n)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        self.cookie = ""
        self.csrf = ""

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            res = self.conn.getresponse()
            data = res.read()
            status = res.status
            set_cookie = res.getheader("Set-Cookie")
        except (OSError, http.client.HTTPException) as err:
            self.conn.close()
            self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            return (time.perf_counter() - start) * 1000, 0, str(err).encode(), None
        return (time.perf_counter() - start) * 1000, status, data, set_cookie

    def sign_in(self):
        form = urllib.parse.urlencode({"login": args.login, "password": args.password, "next": "/households"})
        ms, status, data, set_cookie = self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        ok = status == 303 and set_cookie is not None
        record("login", ms, ok, f"{status} {data[:200]!r}")
        if not ok:
            return False
        self.cookie = set_cookie.split(";")[0]
        ms, status, data, _ = self.request("GET", "/households")
        record("list", ms, status == 200, f"{status}")
        marker = b'name="csrf" value="'
        if marker in data:
            self.csrf = data.split(marker, 1)[1].split(b'"', 1)[0].decode()
        return status == 200

    def get(self, kind, path):
        ms, status, data, _ = self.request("GET", path)
        record(kind, ms, status == 200, f"GET {path} → {status} {data[:200]!r}")
        return status, data

    def step(self):
        kind = self.rng.choices([k for k, _ in WEIGHTS], [w for _, w in WEIGHTS])[0]
        hid = self.rng.randint(1, n_households)
        if kind == "page":
            self.get(kind, f"/households/{hid}")
        elif kind == "api_read":
            self.get(kind, f"/api/households/{hid}")
        elif kind == "search_id":
            self.get(kind, f"/api/households?q={self.rng.choice(id_numbers)}")
        elif kind == "list":
            page = self.rng.randint(1, 20)
            self.get(kind, f"/households?region={self.rng.choice(townships)}&page={page}")
        else:
            status, data = self.get("api_read", f"/api/households/{hid}")
            if status != 200:
                return
            household = json.loads(data)["household"]
            form = {f: household[f] for f in ("external_id", "region_code", "program", "monthly_benefit_yuan")}
            address = household["address"]
            form["address"] = address[:-2] if address.endswith("·改") else address + "·改"
            form["phone"] = ""
            body = json.dumps({"version": household["version"], "household": form})
            ms, status, data, _ = self.request(
                "PUT",
                f"/api/households/{hid}",
                body,
                {"Content-Type": "application/json", "X-CSRF-Token": self.csrf},
            )
            if status == 409:
                with lock:
                    conflicts[0] += 1
            record("edit", ms, status in (204, 409), f"PUT {hid} → {status} {data[:200]!r}")


start_barrier = threading.Barrier(args.clients)
deadline = [0.0]


def run(n):
    client = Client(n)
    start_barrier.wait()
    if not client.sign_in():
        return
    while time.perf_counter() < deadline[0]:
        client.step()


threads = [threading.Thread(target=run, args=(n,)) for n in range(args.clients)]
began = time.perf_counter()
deadline[0] = began + args.seconds
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - began


def pct(sorted_ms, q):
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


rows = []
for kind in ["login"] + [k for k, _ in WEIGHTS]:
    got = samples.get(kind, [])
    if not got:
        continue
    ms = sorted(m for m, _ in got)
    errors = sum(1 for _, ok in got if not ok)
    rows.append(
        {
            "kind": kind,
            "requests": len(got),
            "per_s": len(got) / elapsed,
            "median_ms": pct(ms, 0.5),
            "p95_ms": pct(ms, 0.95),
            "max_ms": ms[-1],
            "errors": errors,
        }
    )
all_ms = sorted(m for got in samples.values() for m, _ in got)
total = {
    "kind": "all",
    "requests": len(all_ms),
    "per_s": len(all_ms) / elapsed,
    "median_ms": pct(all_ms, 0.5),
    "p95_ms": pct(all_ms, 0.95),
    "max_ms": all_ms[-1],
    "errors": sum(r["errors"] for r in rows),
}
print(f"{args.label}: {args.clients} clients, {elapsed:.0f} s, households {n_households}, edit conflicts (409) {conflicts[0]}")
print(f"{'kind':<10} {'requests':>9} {'req/s':>8} {'median':>9} {'p95':>9} {'max':>9} {'errors':>7}")
for r in rows + [total]:
    print(
        f"{r['kind']:<10} {r['requests']:>9} {r['per_s']:>8.1f} {r['median_ms']:>7.1f}ms {r['p95_ms']:>7.1f}ms"
        f" {r['max_ms']:>7.0f}ms {r['errors']:>7}"
    )
for f in failures:
    print("  error:", f)
if args.json:
    with open(args.json, "w") as out:
        json.dump({"label": args.label, "clients": args.clients, "seconds": elapsed, "rows": rows + [total]}, out)
