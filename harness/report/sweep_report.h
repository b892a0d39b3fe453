/* The files a sweep leaves in its run directory: replay.csv (every rule on dev and test with
 * intervals and paired comparisons), pareto.csv (the dev front over all rules and the chosen
 * points, with test figures), timed.csv (one row per timed configuration), hist.csv (exit
 * histograms of the shown points, one row per point and block) and the JSON pieces of sweep.json.
 * Everything goes through atomic_file.h. The printed summary is sweep_summary.h. */
#ifndef BEEX_REPORT_SWEEP_REPORT_H
#define BEEX_REPORT_SWEEP_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/eval/sweep_table.h"
#include "harness/eval/timed_run.h"

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

/* The CSV files. Every row starts with the run's id (run_id, sweep.json's context.run_id);
 * column names are fixed (never made from the data) and carry their unit where there is one
 * (`_us_per_example`, `_ops_per_example`, ...; plots/README.md lists every column). */
int beex_write_replay_csv(const char *run_id, const beex_sweep_table *t, int blocks,
                          const char *path, char *err, size_t errlen);
int beex_write_pareto_csv(const char *run_id, const beex_sweep_table *t, const char *path,
                          char *err, size_t errlen);
int beex_write_timed_csv(const char *run_id, const beex_timed_run *runs, int n,
                         const beex_sweep_table *t, const char *path, char *err, size_t errlen);
/* hist.csv in long form: one row per listed table index (test split) and exit block; `point`
 * is the index into sweep.json's replay.points, `label` names the point ("full depth",
 * "delta 0.78 (= static 2)", "static 3"). */
#define BEEX_HIST_CSV_HEADER "run_id,point,label,policy,param,static_equivalent,block,examples"
int beex_write_hist_csv(const char *run_id, const beex_sweep_table *t, const int *idx, int nidx,
                        int blocks, const char *path, char *err, size_t errlen);

/* Writes replay.csv, pareto.csv, hist.csv, timed.csv (when nruns > 0) and sweep.json
 * (doc plus "replay", "findings" and "timed") into dir; the CSVs' run_id is doc's
 * context.run_id, which must be set. Returns 0, or -1 with err set. */
int beex_sweep_write_outputs(const char *dir, json_t *doc, const beex_sweep_table *t, int blocks,
                             const beex_timed_run *runs, int nruns, const int *hist_idx, int nhist,
                             char *err, size_t errlen);

#endif
