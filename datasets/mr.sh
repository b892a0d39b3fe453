#!/usr/bin/env bash
# mr: movie-review sentence polarity v1.0 (Pang & Lee 2005), 4,000 sentences, neg/pos.
# Source: deb package python3-pattern 2.6+git20180818-4 (pinned). Writes datasets/data/mr/{train,dev,test}.tsv + labels.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_task mr deb python3-pattern 2.6+git20180818-4
