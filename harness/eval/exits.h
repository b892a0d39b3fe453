/* Scores per exit block of one trace: what `beex eval` prints and the trainer selects on.
 * Exit k here is static depth k of a sweep (replay.h), through the same code. */
#ifndef BEEX_EVAL_EXITS_H
#define BEEX_EVAL_EXITS_H

#include <stddef.h>

#include "harness/eval/intervals.h"
#include "harness/eval/replay.h"

/* scores[b] for exit b + 1, b < t->blocks. Returns 0, or -1 on a bad trace. */
int beex_exit_scores(const beex_trace *t, int positive, beex_scores *scores);

/* Every exit as a static-depth replay point with its intervals and its paired comparison
 * with full depth (points: t->blocks entries). Returns 0, or -1 with err set. */
int beex_exit_points(const beex_trace *t, const beex_replay_setup *s, int resamples, uint64_t seed,
                     beex_replay_point *points, char *err, size_t errlen);

#endif
