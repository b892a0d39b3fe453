#!/usr/bin/env bash
# beex history report: the static dashboard of a synthetic history (docs/history.md). The page's
# contents and the refused inputs are checked from its text; then Debian's chromium loads it
# headless: no console message or uncaught exception, the DOM holds one figure per series, the
# planted change's commit, the hostile subject only as text; and it renders to a PNG.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to write the history"; exit 77; }

# 24 commits of intel-6-207 (one of them failed to build, one with a hostile subject) and one
# record of another machine, whose series must not appear on intel's page. A planted +10 %
# step in forward/w1a1/scalar's instructions and in the timed forward pass at commit 12.
python3 - <<'EOF'
import hashlib, json, random
rnd = random.Random(7)
def commit(i): return hashlib.sha1(b"commit-%d" % i).hexdigest()
HOSTILE = "<script>alert(1)</script> & \"double\" 'single' quotes"
# The planted commit's subject is long, with multi-byte characters and markup around the cut.
LONG = "Planted step & more: " + " ".join("w\u00f6rd%d<b>" % k for k in range(40))
lines = []
def header(i, machine, subject):
    return {"schema": "beex-history/1", "commit": commit(i),
            "commit_date": "2026-11-%02dT05:00:00Z" % (1 + i), "subject": subject,
            "recorded": "2026-12-07T06:10:00Z", "suite_version": "beex test", "compiler": "GNU 12.2.0",
            "valgrind": "valgrind-3.19.0", "machine": {"fingerprint": machine, "cpu": "Test CPU"}}
for i in range(24):
    if i == 3:  # another machine, interleaved
        r = header(100, "amd-25-1", "other machine")
        r.update(build="ok", counts={"forward/fp32/scalar": {"instructions": 5e6, "d1_misses": 9, "ll_misses": 1}})
        lines.append(r)
    subject = HOSTILE if i == 5 else LONG if i == 12 else "commit number %d" % i
    r = header(i, "intel-6-207", subject)
    if i == 7:
        r.update(build="failed", why="error: expected ';' before '}' token")
        lines.append(r); continue
    step = 1.10 if i >= 12 else 1.0
    r["build"] = "ok"
    r["counts"] = {
        "forward/w1a1/scalar": {"instructions": round(1000000 * step), "d1_misses": 1200, "ll_misses": 300},
        "forward/w1a1/avx2": {"instructions": 500000, "d1_misses": 800, "ll_misses": 250},
        "kernel/bgemm/w1a1/scalar": {"instructions": 400000, "d1_misses": 100, "ll_misses": 20},
        "train/w1a1/scalar": {"instructions": 2000000, "d1_misses": 5000, "ll_misses": 900}}
    reps = sorted(120e-6 * step * (1 + rnd.uniform(-0.01, 0.01)) for _ in range(9))
    greps = sorted(2.5e-3 * (1 + rnd.uniform(-0.02, 0.02)) for _ in range(9))
    r["timed"] = {"timed/forward/w1a1/avx2": {"median": reps[4], "reps": reps},
                  "timed/gemm/w1a1/avx512/64x256x768": {"median": greps[4], "reps": greps}}
    r["absent"] = {"forward/w8a8/scalar": "beex init: --precision: unknown value 'w8a8'"}
    lines.append(r)
with open("h.jsonl", "w") as f:
    for r in lines: f.write(json.dumps(r) + "\n")
# What the page must hold, computed here from the file, not from beex.
series, points = set(), 0
for r in lines:
    if r["machine"]["fingerprint"] != "intel-6-207" or r["build"] != "ok": continue
    for b, m in r["counts"].items():
        for k in m: series.add(b + ":" + k); points += 1
    for b in r["timed"]: series.add(b + ":median"); points += 1
with open("expect.txt", "w") as f:
    f.write("%d %d %s %s\n" % (len(series), points, commit(12)[:7], commit(7)[:7]))
EOF
read -r NSERIES NPOINTS STEP FAILED <expect.txt

"$BEEX" history report --history h.jsonl --out dash >out.txt || fail "report exited $?"
[ -s dash/index.html ] && [ -s dash/series.csv ] || fail "index.html or series.csv missing"
grep -q "$NSERIES series" out.txt || fail "summary line lacks '$NSERIES series': $(cat out.txt)"
[ "$(head -1 dash/series.csv)" = "key,commit,value" ] || fail "series.csv header"
[ "$(($(wc -l <dash/series.csv) - 1))" = "$NPOINTS" ] || fail "series.csv: expected $NPOINTS rows"
grep -q "^forward/w1a1/scalar:instructions,$STEP[0-9a-f]*,1100000$" \
    dash/series.csv || fail "series.csv lacks the stepped value at the planted commit"
grep -q "fp32" dash/series.csv && fail "another machine's series is on intel's page"

# The page's text: the summary, the regression at the planted commit, the escaped subject, no
# external resource, one script (the page's own).
python3 - "$NSERIES" "$STEP" "$FAILED" <<'EOF' || fail "index.html contents (above)"
import re, sys
nseries, step, failed = int(sys.argv[1]), sys.argv[2], sys.argv[3]
page = open("dash/index.html", encoding="utf-8").read()
def check(ok, why):
    if not ok: print("index.html: " + why, file=sys.stderr); sys.exit(1)
check('data-series="%d"' % nseries in page, "body's data-series is not %d" % nseries)
check(page.count('<figure class="series"') == nseries, "not %d figures" % nseries)
reg = page.split('id="regressions"')[1].split("</table>")[0]
check("forward/w1a1/scalar:instructions" in reg and step in reg and "+10.00%" in reg,
      "the current regressions lack forward/w1a1/scalar:instructions at %s, +10.00%%" % step)
fig = page.split('data-key="forward/w1a1/scalar:instructions"')[1].split("</figure>")[0]
check(re.search(r'class="chg up".*>%s \+10\.0%%<' % step, fig), "the figure lacks the change mark")
timed = page.split('data-key="timed/forward/w1a1/avx2:median"')[1].split("</figure>")[0]
check('class="band"' in timed and "\u00b5s" in timed, "the timed figure lacks its band or its unit")
fl = page.split('id="failed"')[1].split("</table>")[0]
check(failed in fl and "expected &#39;;&#39;" in fl, "the failed build is not listed with why")
check("commits that failed to build</th><td>1<" in page, "summary: failed count")
check("commits measured</th><td>23<" in page, "summary: 23 commits measured")
check("<script>alert" not in page, "the hostile subject is not escaped")
check("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;double&quot; &#39;single&#39;" in page,
      "the escaped hostile subject is missing")
check(page.count("<script") == 1, "more than the page's own script")
check(not re.search(r'src=|href=|url\(|@import|<link', page), "an external resource")
# The long subject: clipped in the table to at most 72 characters ending in an ellipsis, at a
# word boundary, a prefix of the whole, which is the cell's tooltip.
import html
long_subject = "Planted step & more: " + " ".join("w\u00f6rd%d<b>" % k for k in range(40))
cell = re.search(r'<td title="([^"]*)">([^<]*)</td>', reg)
check(cell is not None, "the regression's subject cell has no title (not clipped?)")
full, shown = html.unescape(cell.group(1)), html.unescape(cell.group(2))
check(full == long_subject, "the tooltip is not the whole subject: %r" % full)
check(shown.endswith("\u2026") and len(shown) <= 72, "clipped text: %r" % shown)
check(long_subject.startswith(shown[:-1]) and long_subject[len(shown) - 1] == " ",
      "the clipped text is not a prefix ending at a word: %r" % shown)
check("<td>commit number 7</td>" in fl, "a short subject needs no clipping nor tooltip")
for fam in ("forward", "kernel", "train", "timed"):
    check('id="family-%s"' % fam in page, "no heading for family " + fam)
EOF

# Same input, same bytes; another machine of the same file by --machine.
"$BEEX" history report --history h.jsonl --out dash2 >/dev/null || fail "second run"
cmp -s dash/index.html dash2/index.html || fail "two runs on the same history differ"
"$BEEX" history report --history h.jsonl --machine amd-25-1 --out amd --title 'AMD <box>' \
    >/dev/null || fail "--machine amd-25-1"
grep -q 'data-series="3"' amd/index.html || fail "amd-25-1 should have 3 series"
grep -q '<h1>AMD &lt;box&gt;</h1>' amd/index.html || fail "--title not shown escaped"

# Refused before any output: exit 2, nothing written.
refused() { # WHY ARGS...
    local why=$1
    shift
    set +e
    "$BEEX" history report "$@" >/dev/null 2>err.txt
    local rc=$?
    set -e
    [ $rc = 2 ] || fail "$why: exit $rc, expected 2 ($(cat err.txt))"
    [ -s err.txt ] || fail "$why: no message"
}
echo keep >afile
refused "--out a file" --history h.jsonl --out afile
[ "$(cat afile)" = keep ] || fail "--out a file: the file was changed"
refused "--out a device" --history h.jsonl --out /dev/null
mkdir -p isdir/index.html
refused "--out with index.html a folder" --history h.jsonl --out isdir
refused "missing history" --history nope.jsonl --out x1
grep -q "nope.jsonl" err.txt || fail "missing history: message does not name the file"
{ head -3 h.jsonl; echo '{"schema": "beex-history/1", "commit": '; } >bad.jsonl
refused "malformed history" --history bad.jsonl --out x2
grep -q "bad.jsonl" err.txt || fail "malformed history: message does not name the file"
refused "unknown machine" --history h.jsonl --machine arm-0-0 --out x3
refused "unknown option" --history h.jsonl --out x4 --bogus
refused "--significance 2" --history h.jsonl --out x5 --significance 2
refused "no --out" --history h.jsonl
for d in x1 x2 x3 x4 x5; do [ ! -e "$d" ] || fail "a refused run created $d"; done

# The browser. Chromium (156) writes every console message of a page, whatever its level, to
# its stderr log as `...:INFO:CONSOLE:LINE] "text", source: URL (LINE)` (older versions:
# `CONSOLE(LINE)`), and an uncaught exception as such a line starting "Uncaught". The page logs
# nothing, so any such line is a failure; a broken page checks that the check catches both.
command -v chromium >/dev/null || { echo "SKIP: chromium not installed (apt-get install chromium); page checked without a browser"; exit 77; }
browse() { # OUTFILE ERRFILE EXTRA-ARGS... URL: 0, or the browser's status
    local out=$1 log=$2
    shift 2
    rm -rf "$tmp/profile"
    timeout -k 10 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr \
        --v=0 --virtual-time-budget=2000 --user-data-dir="$tmp/profile" "$@" >"$out" 2>"$log"
}
console_lines() { grep -E 'CONSOLE[(:][0-9]*\)?\]|Uncaught' "$1" || true; }
cat >broken.html <<'EOF'
<!DOCTYPE html><html><body><p>broken</p>
<script>console.error("deliberate console error");</script>
<script>undefinedFunction();</script></body></html>
EOF
browse broken.dom broken.log --dump-dom "file://$tmp/broken.html" || fail "chromium on the broken page"
console_lines broken.log | grep -q '"deliberate console error"' ||
    fail "self-test: a console.error was not caught in chromium's log: $(tail -5 broken.log)"
console_lines broken.log | grep -q 'Uncaught ReferenceError' ||
    fail "self-test: an uncaught exception was not caught in chromium's log"

browse page.dom page.log --dump-dom "file://$tmp/dash/index.html" || fail "chromium exited $?"
grep -q '</html>' page.dom || fail "chromium dumped no page"
[ -z "$(console_lines page.log)" ] || fail "console messages or exceptions: $(console_lines page.log)"
python3 - "$NSERIES" "$STEP" <<'EOF' || fail "the page's DOM in chromium (above)"
import sys
from html.parser import HTMLParser
nseries, step = int(sys.argv[1]), sys.argv[2]
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.body, self.figures, self.scripts, self.text, self.filter_hidden = None, 0, [], [], None
        self.in_script = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body": self.body = a.get("data-series")
        if tag == "figure" and "series" in (a.get("class") or "").split() and a.get("data-key"):
            self.figures += 1
        if tag == "script": self.in_script = True; self.scripts.append("")
        if a.get("id") == "filterbox": self.filter_hidden = "hidden" in a
    def handle_endtag(self, tag):
        if tag == "script": self.in_script = False
    def handle_data(self, d):
        if self.in_script: self.scripts[-1] += d
        else: self.text.append(d)
d = Dom()
d.feed(open("page.dom", encoding="utf-8").read())
text = "".join(d.text)
def check(ok, why):
    if not ok: print("DOM: " + why, file=sys.stderr); sys.exit(1)
check(d.body == str(nseries), "body data-series %r, expected %d" % (d.body, nseries))
check(d.figures == nseries, "%d figure.series, expected %d" % (d.figures, nseries))
check(step in text and "+10.0%" in text, "the planted change's commit %s is not shown" % step)
check("<script>alert(1)</script> & \"double\" 'single' quotes" in text,
      "the hostile subject is not shown as text")
check(len(d.scripts) == 1 and "alert" not in d.scripts[0], "a live script from the history")
check(d.filter_hidden is False, "the filter box stayed hidden: the page's script did not run")
EOF

browse shot.out shot.log --screenshot="$tmp/shot.png" --window-size=1280,1800 \
    "file://$tmp/dash/index.html" || fail "chromium --screenshot exited $?"
python3 - <<'EOF' || fail "screenshot"
import struct, sys
b = open("shot.png", "rb").read()
if b[:8] != b"\x89PNG\r\n\x1a\n" or len(b) < 10000:
    print("shot.png: not a PNG or nearly empty (%d bytes)" % len(b), file=sys.stderr); sys.exit(1)
w, h = struct.unpack(">II", b[16:24])
if (w, h) != (1280, 1800):
    print("shot.png: %dx%d, expected 1280x1800" % (w, h), file=sys.stderr); sys.exit(1)
EOF
echo "history report: $NSERIES series, page loads clean in chromium"
