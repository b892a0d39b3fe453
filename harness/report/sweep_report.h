/* The files a sweep leaves in its run directory: replay.csv (every rule on dev and test with
 * intervals and paired comparisons), pareto.csv (the dev front over all rules and the chosen
 * points, with test figures), timed.csv (one row per timed configuration), hist.csv (exit
 * histograms of the shown points) and the JSON pieces of sweep.json. Everything goes through
 * atomic_file.h. The printed summary is sweep_summary.h. */
#ifndef BEEX_REPORT_SWEEP_REPORT_H
#define BEEX_REPORT_SWEEP_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/bench/sweep.h"
#include "harness/eval/sweep_table.h"

json_t *beex_config_json(const beex_config *cfg);
/* Reads back beex_config_json's object; returns 0, or -1 with err set. */
int beex_config_from_json(const json_t *j, beex_config *cfg, char *err, size_t errlen);

/* One split's figures of a point, with its intervals and paired comparisons. */
json_t *beex_replay_point_json(const beex_replay_point *p, int blocks);
json_t *beex_timed_run_json(const beex_timed_run *r, int blocks);
/* {"path", "fingerprint"} of a file, or with "error" when it cannot be read. */
json_t *beex_file_json(const char *path);
/* Model file and the task's train/dev/test files with their fingerprints. */
json_t *beex_inputs_json(const char *model_path, const char *data_dir);

/* "delta 0.78", "static 2", "entropy 0.312", "patience 3" */
void beex_policy_label(const beex_policy *p, char *out, size_t len);

/* The replay table as JSON: {"full_depth", "selected", "selected_significance_aware",
 * "selected_delta", "front", "points": [...]}; and the findings in words and flags. */
json_t *beex_sweep_table_json(const beex_sweep_table *t, int blocks);
json_t *beex_sweep_findings_json(const beex_sweep_table *t, int blocks);

int beex_write_replay_csv(const beex_sweep_table *t, int blocks, const char *path, char *err,
                          size_t errlen);
int beex_write_pareto_csv(const beex_sweep_table *t, const char *path, char *err, size_t errlen);
int beex_write_timed_csv(const beex_timed_run *runs, int n, const beex_sweep_table *t,
                         const char *path, char *err, size_t errlen);
/* Columns: block, then one per listed table index (test split). */
int beex_write_hist_csv(const beex_sweep_table *t, const int *idx, int nidx, int blocks,
                        const char *path, char *err, size_t errlen);

/* Writes replay.csv, pareto.csv, hist.csv, timed.csv (when nruns > 0) and sweep.json
 * (doc plus "replay", "findings" and "timed") into dir. Returns 0, or -1 with err set. */
int beex_sweep_write_outputs(const char *dir, json_t *doc, const beex_sweep_table *t, int blocks,
                             const beex_timed_run *runs, int nruns, const int *hist_idx, int nhist,
                             char *err, size_t errlen);

#endif
