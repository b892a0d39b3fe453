/* `beex study`: tasks x precisions x seeds (x folds) as independent units. Each unit trains
 * (beex_train_run), sweeps (beex_sweep_run) and appears whole in DIR/units/<id>/ or not at
 * all, so a killed study resumes where it stopped and a Slurm array task runs one unit.
 * The aggregate per task x precision (mean, standard deviation and the t interval of the
 * mean over the units, docs/statistics.md) depends only on the units' results: study.json,
 * study.csv, study.md, study.tex are byte for byte the same wherever the units ran; host,
 * times and build go to context.json.
 *
 * Files, one per line: its job -> the study files it uses (each uses only files below it,
 * so there is no circle; all may use the rooms below app/):
 *   study_run.c        the command's flow                   -> plan, unit, aggregate, render, fs
 *   study_render.c     study.json .csv .md .tex             -> figures, speedup, table
 *   study_aggregate.c  figures per task x precision         -> plan, unit, figures, speedup
 *   study_unit.c       one unit: train, sweep, unit.json    -> plan, data, figures, fs
 *   study_figures.c    a unit's figures, from its files     -> speedup
 *   study_speedup.c    timed speed-ups: read, rows, tables  -> table
 *   study_plan.c       the units and their settings         -> recipe
 *   study_data.c       a unit's data, folds cut once        -> fs
 *   study_recipe.c     training settings per row            -> (none)
 *   study_table.c      table cells, LaTeX escaping          -> (none)
 *   study_fs.c         locks, folders, the log              -> (none)
 * study_fs.h, study_recipe.h and study_table.h declare their files' functions, this header
 * the rest. */
#ifndef BEEX_APP_STUDY_H
#define BEEX_APP_STUDY_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/app/study/study_recipe.h"
#include "harness/train/trainer.h"

#define BEEX_STUDY_MAX_TASKS 32
#define BEEX_STUDY_MAX_SEEDS 256

typedef struct {
    const char *tasks[BEEX_STUDY_MAX_TASKS];
    int n_tasks;
    int precisions[BEEX_PREC_COUNT], n_precisions;
    unsigned long long seeds[BEEX_STUDY_MAX_SEEDS];
    int n_seeds;
    int folds;                /* 0: each task's own split; K >= 3: K-fold cross-validation */
    beex_study_recipe recipe; /* training settings: the file's entries, then the command line's */
    const char *out;          /* the study folder */
    int unit;                 /* >= 0: run only this unit (0-based, a Slurm array index) */
    int aggregate_only, list;
    int threads;   /* per unit: training, trace and timed runs */
    int jobs;      /* units run side by side (worker processes sharing the units' locks) */
    int timed;     /* sweep with timed runs (off by default: slow and not reproducible) */
    int quick;     /* the sweep's coarser grid */
    int resamples; /* bootstrap resamples of every sweep */
    unsigned long long boot_seed;
} beex_study_options;

typedef struct {
    char name[64];   /* last path component of the task as given */
    const char *arg; /* as given */
    char dir[4096];  /* its data directory */
    char fp[3][17];  /* fingerprints of its train, dev, test.tsv */
    int metric;      /* the task's headline metric (beex_metric) */
} beex_study_task;

typedef struct {
    char id[192]; /* <task>-<precision>-s<seed>[-f<fold>of<K>] */
    int task;     /* index into plan.tasks */
    int precision;
    unsigned long long seed;
    int fold;                 /* -1: the task's own split */
    beex_train_options train; /* resolved recipe; task and out are set when the unit runs */
} beex_study_unit;

typedef struct {
    const beex_study_options *o;
    beex_study_task tasks[BEEX_STUDY_MAX_TASKS];
    int n_tasks;
    beex_study_unit *units;
    int n_units;
    struct {
        const char *path;
        char fp[17];
    } gloves[8]; /* fingerprints of the GloVe files the units use, read once */
    int n_gloves;
} beex_study_plan;

/* study_plan.c */
int beex_study_plan_make(const beex_study_options *o, beex_study_plan *plan, char *err,
                         size_t errlen);
void beex_study_plan_free(beex_study_plan *plan);
/* {"train": {...}, "sweep": {...}}: everything a unit's results depend on. New reference. */
json_t *beex_study_unit_settings(const beex_study_plan *plan, int i);
/* The plan as the aggregate records it: tasks with data fingerprints, precisions, seeds,
 * folds, sweep settings, and each task x precision's training settings. New reference. */
json_t *beex_study_plan_json(const beex_study_plan *plan);

/* study_data.c: the unit's data directory (the task's own, or its fold's, written once into
 * DIR/folds/). Returns 0, or -1 with err set. */
int beex_study_unit_data(const beex_study_plan *plan, int i, char *dir, size_t len, char *err,
                         size_t errlen);

typedef enum {
    BEEX_UNIT_MISSING,  /* no results yet */
    BEEX_UNIT_DONE,     /* results whose recorded settings match */
    BEEX_UNIT_RESWEEP,  /* the model matches, the sweep settings do not: sweep again */
    BEEX_UNIT_CONFLICT, /* trained with other settings: an error, never overwritten */
} beex_unit_state;

/* study_unit.c */
const char *beex_unit_state_name(beex_unit_state s);
/* Looks at DIR/units/<id>/; why (may be NULL) says what differs for a conflict. */
beex_unit_state beex_study_unit_state(const beex_study_plan *plan, int i, char *why, size_t whylen);
/* Refuses a unit whose sweep/sweep.json records another model than its model.safetensors
 * (by content fingerprint): its figures would be another model's. Returns 0, or -1 with err
 * naming the file and both fingerprints. */
int beex_study_unit_check_model(const beex_study_plan *plan, int i, char *err, size_t errlen);

typedef struct {
    int ran;           /* 0: skipped (done already, or busy in another process) */
    int busy;          /* another process holds the unit's lock */
    double seconds;    /* wall time of this run */
    char summary[256]; /* for the log and the terminal */
} beex_unit_outcome;

/* Runs unit i if its results are missing (or only its sweep is stale), under its lock.
 * Returns 0, or -1 with err set (nothing of the unit is left but its earlier results). */
int beex_study_unit_run(const beex_study_plan *plan, int i, beex_unit_outcome *out, char *err,
                        size_t errlen);

/* study_figures.c: what the aggregate takes from each unit (its sweep.json and unit.json).
 * Metric figures are on the task's headline metric (a fraction), savings a fraction of the
 * full-depth OPs, gains in metric units. */
typedef enum {
    BEEX_FIG_FULL,            /* test metric at full depth */
    BEEX_FIG_SELECTED,        /* test metric at the selected point (all rules) */
    BEEX_FIG_SELECTED_SAVING, /* its OPs saved against full depth */
    BEEX_FIG_SELECTED_ISO,    /* its iso-cost gain over static depth */
    BEEX_FIG_DELTA,           /* test metric at the entropy-ratio rule's own choice */
    BEEX_FIG_DELTA_SAVING,
    BEEX_FIG_DELTA_ISO,
    BEEX_FIG_SIZE_RATIO, /* fp32 deployment bytes / this precision's */
    BEEX_FIG_COUNT
} beex_study_figure;

typedef struct {
    const char *key;  /* JSON / CSV name */
    const char *what; /* a sentence for the notes */
    int kind;         /* 0 metric (points), 1 saving (%), 2 gain (points), 3 ratio (x) */
} beex_figure_info;

extern const beex_figure_info beex_study_figures[BEEX_FIG_COUNT];

#define BEEX_STUDY_MAX_BLOCKS 64

/* One measured speed-up of a unit: the selected point against full depth, both timed in the
 * same sweep with the same variant, threads and batch (median seconds per test example). */
typedef struct {
    char variant[16];
    int threads, batch;
    double full_s, selected_s;
} beex_unit_speedup;

#define BEEX_STUDY_MAX_SPEEDUPS 32

typedef struct {
    double v[BEEX_FIG_COUNT];
    int have[BEEX_FIG_COUNT];
    char metric[16];              /* accuracy, f1, mcc */
    char selected[64], delta[64]; /* point labels; "" when the sweep chose none */
    int selected_static;          /* the selected point is a static depth or one in disguise */
    int delta_disguise;           /* the delta choice sends >= 95 % out at one block */
    /* The unit's own 95 % bootstrap interval over its test examples per figure (its sweep's
     * ci95 of the metric; the paired ones of the iso-cost gains), NAN where there is none: a
     * row of one unit (one seed, no folds) reports it, having no spread over units, and the
     * iso-gain ones count the units whose gain interval excludes 0. */
    double ci[BEEX_FIG_COUNT][2];
    double selected_ops, delta_ops, full_ops;
    int blocks;
    double static_metric[BEEX_STUDY_MAX_BLOCKS], static_ops[BEEX_STUDY_MAX_BLOCKS];
    beex_unit_speedup speedups[BEEX_STUDY_MAX_SPEEDUPS]; /* none unless the unit ran --timed */
    int n_speedups;
} beex_unit_figures;

/* Reads unit i's figures from DIR/units/<id>/. Returns 0, or -1 with err naming the file. */
int beex_study_unit_figures(const beex_study_plan *plan, int i, beex_unit_figures *f, char *err,
                            size_t errlen);

/* study_aggregate.c: the aggregate document from the units' files (deterministic: no time,
 * host or path in it). missing counts planned units without results. New reference, or
 * NULL with err set (an unreadable or conflicting unit). */
json_t *beex_study_aggregate(const beex_study_plan *plan, int *missing, char *err, size_t errlen);

/* study_speedup.c: measured speed-ups (only from units swept with --timed; times depend on
 * the machine, so these figures are the one part of the aggregate that is not byte for byte
 * the same wherever the units ran). From a unit's sweep.json: */
void beex_study_read_speedups(const json_t *sweep_doc, beex_unit_figures *f);
/* Per variant x threads x batch over a row's units: n, and mean, sd, interval of the
 * speed-up and of both medians. New reference (an empty array without timed units). */
json_t *beex_study_speedup_rows(const beex_unit_figures *units, int n);
void beex_study_speedup_md(FILE *f, const json_t *doc);
void beex_study_speedup_tex(FILE *f, const json_t *doc);
void beex_study_speedup_csv(FILE *f, const json_t *doc);

/* study_render.c: study.json, study.csv, study.md, study.tex in dir. Returns 0, or -1. */
int beex_study_write_outputs(const char *dir, const json_t *doc, char *err, size_t errlen);

/* study_run.c: the command's flow. Returns the exit status (0, 1). */
int beex_study_run(const beex_study_options *o);

#endif
