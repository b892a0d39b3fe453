/* What the study's tables share: study_render.c's results tables and study_speedup.c's
 * speed-up tables read the same statistic objects back from the aggregate document and set
 * the same task names in LaTeX. Kept below both, so neither file needs the other for it. */
#ifndef BEEX_APP_STUDY_TABLE_H
#define BEEX_APP_STUDY_TABLE_H

#include <jansson.h>
#include <stdio.h>

/* A statistic over a row's units as the aggregate writes it (beex_mean_ci95): n, mean, sd and
 * the 95 % interval, NAN where the document holds null. */
typedef struct {
    int n;
    double mean, sd, lo, hi;
} beex_study_cell;

/* Reads {"n", "mean", "sd", "ci95": [lo, hi]}; a missing object gives n 0 and NANs. */
beex_study_cell beex_study_cell_of(const json_t *stats);

/* A task name in LaTeX (_ & % # $ escaped). */
void beex_study_tex_escape(FILE *f, const char *s);

#endif
