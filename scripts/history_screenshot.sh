#!/usr/bin/env bash
# A picture of the history dashboard (docs/history.md) for a session note: runs
# `beex history report` on HISTORY into a temporary folder and has headless chromium render
# the page to OUTPNG (1280 pixels wide).
#
# Usage: bash scripts/history_screenshot.sh HISTORY OUTPNG [--height PX] [-- REPORT-OPTIONS...]
#   BEEX (environment) names the program (default build/release/beex); options after --
#   go to `beex history report` (--machine, --title, --significance).
set -euo pipefail
usage() { echo "usage: bash scripts/history_screenshot.sh HISTORY OUTPNG [--height PX] [-- REPORT-OPTIONS...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
HISTORY=$1 OUT=$2
shift 2
HEIGHT=1800
while [ $# -gt 0 ]; do
    case $1 in
    --height) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]{2,4}$ ]] || usage; HEIGHT=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
    esac
done
BEEX=${BEEX:-build/release/beex}
[ -x "$BEEX" ] || { echo "history_screenshot: $BEEX is not an executable (set BEEX)" >&2; exit 2; }
command -v chromium >/dev/null || { echo "history_screenshot: chromium not installed" >&2; exit 2; }
[ -f "$HISTORY" ] || { echo "history_screenshot: $HISTORY: no such file" >&2; exit 2; }
case $OUT in *.png) ;; *) echo "history_screenshot: OUTPNG must end in .png" >&2; exit 2 ;; esac
[ ! -d "$OUT" ] || { echo "history_screenshot: $OUT is a directory" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BEEX" history report --history "$HISTORY" --out "$tmp/dash" "$@"
# Root needs --no-sandbox; a fresh profile keeps the user's own out of it; the timeout means a
# stuck browser can never hang a script. Written beside OUT, then renamed: whole or nothing.
timeout -k 10 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$tmp/profile" --virtual-time-budget=2000 --window-size=1280,"$HEIGHT" \
    --screenshot="$tmp/shot.png" "file://$tmp/dash/index.html" >/dev/null 2>"$tmp/chromium.log" ||
    { echo "history_screenshot: chromium failed:" >&2; tail -5 "$tmp/chromium.log" >&2; exit 1; }
[ -s "$tmp/shot.png" ] || { echo "history_screenshot: chromium wrote no picture" >&2; exit 1; }
cp "$tmp/shot.png" "$OUT.tmp.$$" && mv "$OUT.tmp.$$" "$OUT"
echo "wrote $OUT"
