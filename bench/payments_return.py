"""The bank's return file made from an exported bank file (bench/payments.sh).

    python3 bench/payments_return.py EXPORT.csv RETURN.csv [EVERY]

Reads the exported default bank file (GBK CSV: header, lines, trailer) and
writes the default return file of payments.md: the same columns plus
处理结果 and 失败原因; every EVERY-th line (default 100, so ~1%) failed with
账户已销户, the others 成功. The trailer is kept as exported (it states the
file's total and count, which the return checks). Prints the failures.
"""

import sys

src, dst = sys.argv[1], sys.argv[2]
every = int(sys.argv[3]) if len(sys.argv) > 3 else 100
with open(src, "rb") as f:
    raw = f.read()
# The export ends its lines with CRLF or LF; keep what it used.
eol = b"\r\n" if b"\r\n" in raw[:4096] else b"\n"
lines = raw.split(eol)
if lines and lines[-1] == b"":
    lines.pop()
out = [lines[0] + ",处理结果,失败原因".encode("gbk")]
ok, failed = ",成功,".encode("gbk"), ",失败,账户已销户".encode("gbk")
total = "合计".encode("gbk")
n = 0
for line in lines[1:]:
    if line.startswith(total):
        out.append(line + b",,")
        continue
    n += 1
    out.append(line + (failed if n % every == 0 else ok))
with open(dst, "wb") as f:
    f.write(eol.join(out) + eol)
print(n // every)
