#!/usr/bin/env bash
# The repository stands alone: a clone has no design folder beside it, so no file of the
# project may send a reader there, and every relative Markdown link must reach a file of the
# project. Checks every tracked file plus the untracked ones git does not ignore (new files
# not yet committed count too):
#   1. no text file mentions the old design folder (the two patterns below);
#   2. in every .md file, each relative link [text](path) and reference definition
#      [label]: path points to a file or folder that exists (code spans and code blocks are
#      not links and are skipped; URLs and in-page anchors are not checked).
# Usage: bash tests/cli/test_docs.sh [PATH_TO_BEEX] (the program is not needed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
command -v git >/dev/null || { echo "SKIP: git is not installed"; exit 77; }
git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    { echo "SKIP: $ROOT is not a git work tree (a source archive): nothing lists its files"; exit 77; }

# Tracked files (minus those deleted in the work tree) and untracked, not ignored ones.
mapfile -t files < <(cd "$ROOT" && { git ls-files; git ls-files --others --exclude-standard; } |
    sort -u | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done)
[ "${#files[@]}" -gt 0 ] || { echo "FAIL: git lists no files in $ROOT" >&2; exit 1; }

# 1. Spelled in pieces so that this file does not match itself.
design="shared""/design"
parent="\.\./""shared"
if hits=$(cd "$ROOT" && grep -InE -e "$design" -e "$parent" -- "${files[@]}"); then
    echo "FAIL: references to the design folder outside the repository (point them to docs/):" >&2
    printf '%s\n' "$hits" >&2
    fail=1
fi

# 2. Relative links of the Markdown files. awk prints "LINE<TAB>TARGET" for each link outside
#    fenced blocks (```), indented code blocks (4 spaces or a tab after a blank line) and code
#    spans (`...`), with <...> and a "title" stripped.
links() {
    awk '
        function emit(t) {
            sub(/^[ \t]+/, "", t)
            if (t ~ /^</) { sub(/^</, "", t); sub(/>.*$/, "", t) }
            else sub(/[ \t].*$/, "", t)
            print FNR "\t" t
        }
        /^[ \t]*(```|~~~)/ { fence = !fence; prev_blank = 0; next }
        fence { next }
        {
            blank = $0 ~ /^[ \t]*$/
            indented = $0 ~ /^(    |\t)/ && (prev_blank || in_block)
            in_block = indented || (blank && in_block)
            prev_blank = blank
            if (indented) next
            s = $0
            gsub(/`[^`]*`/, "", s)
            if (match(s, /^ *\[[^]]+\]:[ \t]*[^ \t]/)) {
                t = s; sub(/^ *\[[^]]+\]:/, "", t); emit(t); next
            }
            while (match(s, /\[[^]]*\]\([^)]*\)/)) {
                m = substr(s, RSTART, RLENGTH)
                s = substr(s, RSTART + RLENGTH)
                sub(/^\[[^]]*\]\(/, "", m)
                sub(/\)$/, "", m)
                emit(m)
            }
        }' "$1"
}
nlinks=0
for f in "${files[@]}"; do
    case $f in *.md) ;; *) continue ;; esac
    dir=$(dirname "$f")
    while IFS=$'\t' read -r line target; do
        case $target in
        "" | \#* | *://* | mailto:*) continue ;; # in-page anchor, URL
        esac
        path=${target%%#*}
        path=${path%%\?*}
        path=${path//%20/ }
        [ -n "$path" ] || continue
        nlinks=$((nlinks + 1))
        if [[ $path == /* ]]; then
            resolved=$ROOT$path # a link from the repository root, as GitHub reads it
        else
            resolved=$ROOT/$dir/$path
        fi
        if [ ! -e "$resolved" ]; then
            echo "FAIL: $f:$line: link to $target, which does not exist" >&2
            fail=1
        fi
    done < <(links "$ROOT/$f")
done

[ "$fail" = 0 ] || exit 1
echo "docs: ${#files[@]} files free of design-folder references, $nlinks relative Markdown links resolve"
