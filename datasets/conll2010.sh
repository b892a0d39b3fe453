#!/usr/bin/env bash
# conll2010: CoNLL-2010 Wikipedia hedge detection, 3,000 sentences, certain/uncertain.
# Source: deb package python3-pattern 2.6+git20180818-4 (pinned). Writes datasets/data/conll2010/{train,dev,test}.tsv + labels.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_task conll2010 deb python3-pattern 2.6+git20180818-4
