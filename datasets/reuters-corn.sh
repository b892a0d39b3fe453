#!/usr/bin/env bash
# reuters-corn: Reuters-21578 ModApte corn vs other (official train/test; dev carved from train).
# Source: deb package weka 3.6.14-3 (pinned). Writes datasets/data/reuters-corn/{train,dev,test}.tsv + labels.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_task reuters-corn deb weka 3.6.14-3
