/* Data sets on disk: <dir>/{train,dev,test}.tsv, one `LABEL<TAB>TEXT` line per example
 * (docs/datasets.md). A task name (mr, spam, ...) resolves to datasets/data/<task>; any other
 * directory in the same layout works too. Label names are taken from train (sorted by byte
 * order, or by the optional <dir>/labels.txt, one name a line, which fixes the order; when
 * every label is a decimal integer they sort by value, so labels 0..14 get indices 0..14). With
 * labels.txt, a TSV label is one of its names or an integer indexing its lines (0 = first);
 * an integer is refused as ambiguous when labels.txt's names are integers too. */
#ifndef BEEX_TEXT_DATASET_H
#define BEEX_TEXT_DATASET_H

#include <stddef.h>

typedef struct {
    int label;  /* index into beex_dataset.labels */
    char *text; /* UTF-8, validated */
} beex_example;

typedef struct {
    beex_example *ex;
    size_t n;
} beex_split;

typedef struct {
    char *dir;
    char **labels;
    int n_labels;
    beex_split train, dev, test;
    int *label_slots; /* private: open-addressing index of labels (label + 1, 0 = empty) */
    int label_cap;
} beex_dataset;

/* Resolves a task name or a directory to the directory holding the TSV files: a path that
 * exists is used as is, otherwise $BEEX_DATA_DIR/<task> (default datasets/data/<task>). */
int beex_dataset_resolve(const char *task, char *dir, size_t dirlen, char *err, size_t errlen);

/* Loads all three splits. Blank lines are skipped anywhere in a file. Errors name the file and
 * line: no tab, unknown label in dev or test, invalid UTF-8, a NUL byte, empty file, a single
 * class. */
int beex_dataset_load(const char *task_or_dir, beex_dataset *ds, char *err, size_t errlen);
void beex_dataset_free(beex_dataset *ds);

#endif
