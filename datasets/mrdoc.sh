#!/usr/bin/env bash
# mrdoc: movie-review polarity v2.0 full documents, 1,500 reviews, neg/pos.
# Source: deb package python3-pattern 2.6+git20180818-4 (pinned). Writes datasets/data/mrdoc/{train,dev,test}.tsv + labels.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_task mrdoc deb python3-pattern 2.6+git20180818-4
