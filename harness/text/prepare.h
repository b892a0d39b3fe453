/* Preparing published data sets (docs/datasets.md) as <dir>/{train,dev,test}.tsv + labels.txt.
 * Parsers for each raw format (the Pattern CSVs, Weka ARFF, Brown's tagged files, RFC-822
 * mails) feed examples into a collector that cleans texts, assigns splits and writes the
 * files atomically; `beex data prepare` picks the parser per task. */
#ifndef BEEX_TEXT_PREPARE_H
#define BEEX_TEXT_PREPARE_H

#include <stddef.h>
#include <stdio.h>

#include "harness/text/read_file.h" /* beex_read_file, used by every parser */
#include "harness/text/split.h"

typedef struct beex_prep beex_prep;

/* Pass to beex_prep_add as fixed_split to use the crc32 fold rule of split.h. */
#define BEEX_PREP_BY_RULE (-1)
/* Official train split with dev carved out by the rule: fold 1 -> dev, the rest train. */
#define BEEX_PREP_TRAIN_CARVE_DEV (-2)

/* labels fixes the label names and their order (written to labels.txt). With dedupe set,
 * an example whose cleaned text was already added is dropped; if the copies disagree on the
 * label, every copy is dropped (the text says nothing about the class). */
beex_prep *beex_prep_new(const char *const *labels, int n_labels, int dedupe);
void beex_prep_free(beex_prep *p);

/* Adds one example: text (len bytes, any encoding) is cleaned with beex_clean_text; an empty
 * result is counted and skipped. split_key (NULL: the cleaned text) is what the fold rule
 * hashes, e.g. a Brown file name. Returns 0, or -1 with err set (unknown label, no memory). */
int beex_prep_add(beex_prep *p, const char *label, const char *text, size_t len,
                  const char *split_key, int fixed_split, char *err, size_t errlen);

/* Writes outdir/{train,dev,test}.tsv and labels.txt (creating outdir), each atomically. */
int beex_prep_write(beex_prep *p, const char *outdir, char *err, size_t errlen);
/* The examples kept so far, in input order (for tests and tools): text, label index, split.
 * Texts dropped as conflicting duplicates report split -1. */
size_t beex_prep_size(const beex_prep *p);
const char *beex_prep_get(const beex_prep *p, size_t i, int *label, int *split);
/* Counts per split and label, plus dropped empties and duplicates. */
void beex_prep_summary(const beex_prep *p, FILE *out);

/* A copy of s[0..n) as one clean UTF-8 line: bytes that are not valid UTF-8 are read as
 * Windows-1252, control characters, tabs, newlines and other white space become one space, runs
 * of spaces collapse, the ends are trimmed. NULL when out of memory. */
char *beex_clean_text(const char *s, size_t n);

/* The parsers. Each returns 0, or -1 with err naming the file (and line where it can). */
int beex_prepare_pattern_csv(const char *path, const char *neg_label, const char *pos_label,
                             beex_prep *p, char *err, size_t errlen);
int beex_prepare_arff(const char *path, const char *label0, const char *label1, int fixed_split,
                      beex_prep *p, char *err, size_t errlen);
int beex_prepare_brown(const char *dir, beex_prep *p, char *err, size_t errlen);
int beex_prepare_spam(const char *data_dir, beex_prep *p, char *err, size_t errlen);

/* Brown genre names in letter order a..r (15 genres; the corpus has no i, o or q). */
extern const char *const beex_brown_genres[15];

#endif
