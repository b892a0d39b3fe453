#!/usr/bin/env bash
# reuters-grain: Reuters-21578 ModApte grain vs other (official train/test; dev carved from train).
# Source: deb package weka 3.6.14-3 (pinned). Writes datasets/data/reuters-grain/{train,dev,test}.tsv + labels.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_task reuters-grain deb weka 3.6.14-3
