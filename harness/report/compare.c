#include "harness/report/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/mann_whitney.h"
#include "harness/base/timing.h"

const char *beex_verdict_name(beex_verdict v)
{
    static const char *const names[] = {
        "same", "faster", "SLOWER", "too few repetitions", "only in old", "only in new"};
    return (unsigned)v < 6 ? names[v] : "?";
}

static double median_of(const double *x, size_t n)
{
    double *c = malloc(n * sizeof *c);
    if (c == NULL)
        return NAN;
    memcpy(c, x, n * sizeof *c);
    beex_stats s = beex_stats_of(c, n);
    free(c);
    return s.median;
}

static void compare_pair(const beex_bench_row *a, const beex_bench_row *b,
                         const beex_compare_options *o, beex_compare_row *r)
{
    if (a->n > 0 && b->n > 0) {
        r->has_time = 1;
        r->old_n = a->n;
        r->new_n = b->n;
        r->old_median = median_of(a->samples, a->n);
        r->new_median = median_of(b->samples, b->n);
        r->time_change = r->old_median > 0 ? r->new_median / r->old_median - 1 : 0;
        r->p_value = NAN;
        beex_utest u;
        if (a->n < 2 || b->n < 2 ||
            beex_mann_whitney(a->samples, a->n, b->samples, b->n, &u) != 0) {
            r->time_verdict = BEEX_VERDICT_TOO_FEW;
        } else {
            r->p_value = u.p_value;
            if (u.p_value >= o->alpha)
                r->time_verdict = BEEX_VERDICT_SAME;
            else if (r->time_change > o->time_threshold)
                r->time_verdict = BEEX_VERDICT_SLOWER;
            else if (r->time_change < 0)
                r->time_verdict = BEEX_VERDICT_FASTER;
            else
                r->time_verdict = BEEX_VERDICT_SAME; /* significant but below the threshold */
        }
    }
    if (a->instructions >= 0 && b->instructions >= 0) {
        r->has_instructions = 1;
        r->old_instr = a->instructions;
        r->new_instr = b->instructions;
        r->instr_change =
            a->instructions > 0 ? (double)b->instructions / (double)a->instructions - 1 : 0;
        r->instr_verdict = r->instr_change > o->instr_threshold    ? BEEX_VERDICT_SLOWER
                           : r->instr_change < -o->instr_threshold ? BEEX_VERDICT_FASTER
                                                                   : BEEX_VERDICT_SAME;
    }
    r->regression = (r->has_time && r->time_verdict == BEEX_VERDICT_SLOWER) ||
                    (r->has_instructions && r->instr_verdict == BEEX_VERDICT_SLOWER);
}

int beex_compare_check_set(const beex_bench_set *s, const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n; i++) {
        const beex_bench_row *r = &s->rows[i];
        for (size_t k = 0; k < r->n; k++)
            if (!isfinite(r->samples[k]) || r->samples[k] <= 0) {
                snprintf(err, errlen,
                         "%s: benchmark %.200s: repetition %zu took %g s; a time must be a "
                         "finite number > 0",
                         path, r->name, k + 1, r->samples[k]);
                return -1;
            }
        if (r->instructions == 0) {
            snprintf(err, errlen,
                     "%s: benchmark %.200s: an instruction count of 0 is no measurement", path,
                     r->name);
            return -1;
        }
    }
    return 0;
}

long beex_compare_sets(const beex_bench_set *old, const beex_bench_set *new_,
                       const beex_compare_options *o, beex_compare_row **rows)
{
    beex_compare_row *out = calloc(old->n + new_->n + 1, sizeof *out);
    if (out == NULL)
        return -1;
    long n = 0;
    for (size_t i = 0; i < old->n; i++) {
        beex_compare_row *r = &out[n++];
        r->name = old->rows[i].name;
        const beex_bench_row *b = beex_bench_set_find(new_, r->name);
        if (b == NULL)
            r->time_verdict = r->instr_verdict = BEEX_VERDICT_ONLY_OLD;
        else
            compare_pair(&old->rows[i], b, o, r);
    }
    for (size_t j = 0; j < new_->n; j++)
        if (beex_bench_set_find(old, new_->rows[j].name) == NULL) {
            beex_compare_row *r = &out[n++];
            r->name = new_->rows[j].name;
            r->time_verdict = r->instr_verdict = BEEX_VERDICT_ONLY_NEW;
        }
    *rows = out;
    return n;
}

json_t *beex_compare_row_json(const beex_compare_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(r->name));
    if (r->has_time) {
        json_object_set_new(o, "time",
                            json_pack("{s:f, s:f, s:f, s:i, s:i, s:s}", "old_median_s",
                                      r->old_median, "new_median_s", r->new_median, "change",
                                      r->time_change, "old_reps", (int)r->old_n, "new_reps",
                                      (int)r->new_n, "verdict",
                                      beex_verdict_name(r->time_verdict)));
        json_object_set_new(json_object_get(o, "time"), "p_value",
                            isnan(r->p_value) ? json_null() : json_real(r->p_value));
    }
    if (r->has_instructions)
        json_object_set_new(o, "instructions",
                            json_pack("{s:I, s:I, s:f, s:s}", "old", (json_int_t)r->old_instr,
                                      "new", (json_int_t)r->new_instr, "change", r->instr_change,
                                      "verdict", beex_verdict_name(r->instr_verdict)));
    if (!r->has_time && !r->has_instructions)
        json_object_set_new(o, "verdict", json_string(beex_verdict_name(r->time_verdict)));
    json_object_set_new(o, "regression", json_boolean(r->regression));
    return o;
}
