/* Timing of the binarized GEMMs on random operands, and the JSON form of a result row. */
#include "harness/bench/bgemm_bench.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/bgemm.h"
#include "kernels/pack.h"

const char *beex_gemm_op_name(beex_gemm_op op)
{
    switch (op) {
    case BEEX_GEMM_OP_W1A1:
        return "w1a1";
    case BEEX_GEMM_OP_W1A32:
        return "w1a32";
    case BEEX_GEMM_OP_FP32:
        return "fp32";
    }
    return "unknown";
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

int beex_bench_binary(beex_gemm_op op, beex_isa isa, beex_gemm_shape s, int threads, int reps,
                      beex_stats *out, double *rep_seconds, char *err, size_t errlen)
{
    size_t kb = beex_packed_row_bytes(s.k);
    uint8_t *a = malloc(s.m * kb), *b = malloc(s.n * kb);
    float *x = op == BEEX_GEMM_OP_W1A32 ? malloc(s.m * s.k * sizeof *x) : NULL;
    float *sa = malloc(s.m * sizeof *sa), *sw = malloc(s.n * sizeof *sw);
    float *bias = malloc(s.n * sizeof *bias), *y = malloc(s.m * s.n * sizeof *y);
    double *samples = malloc((size_t)reps * sizeof *samples);
    beex_bmatrix *w = NULL;
    int rc = -1;
    if (a == NULL || b == NULL || sa == NULL || sw == NULL || bias == NULL || y == NULL ||
        samples == NULL || (op == BEEX_GEMM_OP_W1A32 && x == NULL)) {
        snprintf(err, errlen, "out of memory for the %zux%zux%zu operands", s.m, s.n, s.k);
        goto done;
    }
    for (size_t i = 0; i < s.m * kb; i++)
        a[i] = (uint8_t)mix(i + 1);
    for (size_t i = 0; i < s.n * kb; i++)
        b[i] = (uint8_t)mix(i + 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < s.m; i++)
        sa[i] = 0.5f + (float)(i % 7) / 8.0f;
    for (size_t j = 0; j < s.n; j++)
        sw[j] = 0.25f + (float)(j % 5) / 8.0f, bias[j] = (float)(j % 3) - 1.0f;
    if (x != NULL)
        for (size_t i = 0; i < s.m * s.k; i++)
            x[i] = (float)(mix(i) % 2001) / 1000.0f - 1.0f;
    int st = beex_bmatrix_create(b, s.n, s.k, kb, (int)isa, &w);
    if (st != BEEX_OK) {
        snprintf(err, errlen, "cannot prepare weights for variant %s: %s", beex_isa_name(isa),
                 st == BEEX_EUNSUPPORTED ? "not available on this machine" : "error");
        goto done;
    }
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        double t0 = beex_now_seconds();
        st = op == BEEX_GEMM_OP_W1A1 ? beex_bgemm_w1a1(w, s.m, a, kb, sa, sw, bias, y, s.n, threads)
                                     : beex_gemm_w1a32(w, s.m, x, s.k, sw, bias, y, s.n, threads);
        double t = beex_now_seconds() - t0;
        if (st != BEEX_OK) {
            snprintf(err, errlen, "%s on %s failed with status %d", beex_gemm_op_name(op),
                     beex_isa_name(isa), st);
            goto done;
        }
        if (r >= 0)
            samples[r] = t;
    }
    if (!isfinite(y[0])) {
        snprintf(err, errlen, "%s on %s produced a non-finite output", beex_gemm_op_name(op),
                 beex_isa_name(isa));
        goto done;
    }
    if (rep_seconds != NULL) /* before beex_stats_of sorts them */
        memcpy(rep_seconds, samples, (size_t)reps * sizeof *samples);
    *out = beex_stats_of(samples, (size_t)reps);
    rc = 0;
done:
    beex_bmatrix_free(w);
    free(a), free(b), free(x), free(sa), free(sw), free(bias), free(y), free(samples);
    return rc;
}

static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Google Benchmark's aggregates, in the order it writes them. */
typedef enum { STAT_MEAN, STAT_MEDIAN, STAT_STDDEV, STAT_CV, STAT_COUNT } gb_stat;
static const char *const stat_names[STAT_COUNT] = {"mean", "median", "stddev", "cv"};

/* One statistic of n values as GB computes it: sample standard deviation, the median of an
 * even count as the mean of the middle two, cv = stddev / mean (0 below two values). scratch
 * holds n doubles (beex_stats_of sorts in place). */
static double statistic(const double *v, int n, gb_stat which, double *scratch)
{
    memcpy(scratch, v, (size_t)n * sizeof *v);
    beex_stats st = beex_stats_of(scratch, (size_t)n);
    switch (which) {
    case STAT_MEAN:
        return st.mean;
    case STAT_MEDIAN:
        return st.median;
    case STAT_STDDEV:
        return st.stddev;
    default:
        return n < 2 ? 0.0 : st.stddev / st.mean;
    }
}

/* A user counter: one value per repetition, or a run-wide value (per_rep NULL), which GB would
 * aggregate as a constant. */
typedef struct {
    const char *key;
    const double *per_rep;
    double value;
} gb_counter;

enum { N_COUNTERS = 6 };

/* The counter's value on an iteration (rep >= 0) or an aggregate (rep < 0, statistic which). */
static json_t *counter_json(const gb_counter *c, int reps, int rep, gb_stat which, double *scratch)
{
    if (c->per_rep == NULL) {
        double v = c->value;
        if (rep < 0 && isfinite(v) && (which == STAT_STDDEV || which == STAT_CV))
            v = 0.0; /* a constant's spread */
        return number_or_null(v);
    }
    return number_or_null(rep >= 0 ? c->per_rep[rep] : statistic(c->per_rep, reps, which, scratch));
}

/* Counters, then beex's description of the row (GB has no such fields; they keep a row
 * readable without parsing its name). */
static int set_tail(json_t *o, const beex_gemm_row *r, const gb_counter *c, int reps, int rep,
                    gb_stat which, double *scratch)
{
    int bad = 0;
    for (int i = 0; i < N_COUNTERS; i++)
        bad |= json_object_set_new(o, c[i].key, counter_json(&c[i], reps, rep, which, scratch));
    bad |= json_object_set_new(o, "op", json_string(beex_gemm_op_name(r->op)));
    bad |= json_object_set_new(o, "variant", json_string(r->variant));
    bad |= json_object_set_new(o, "M", json_integer((json_int_t)r->shape.m));
    bad |= json_object_set_new(o, "N", json_integer((json_int_t)r->shape.n));
    bad |= json_object_set_new(o, "K", json_integer((json_int_t)r->shape.k));
    return bad ? -1 : 0;
}

/* GB 1.7's key order, kept because jansson writes keys in insertion order and a reader
 * diffing a beex file against a GB one then sees the same layout. */
static json_t *iteration_json(const beex_gemm_row *r, const char *name, int reps, int rep,
                              const double *ns)
{
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:s}", "name", name,
                     "family_index", r->family_index, "per_family_instance_index",
                     r->instance_index, "run_name", name, "run_type", "iteration", "repetitions",
                     reps, "repetition_index", rep, "threads", r->threads, "iterations", 1,
                     "real_time", ns[rep], "cpu_time", ns[rep], "time_unit", "ns");
}

static json_t *aggregate_json(const beex_gemm_row *r, const char *name, int reps, gb_stat which,
                              const double *ns, double *scratch)
{
    char agg_name[200];
    snprintf(agg_name, sizeof agg_name, "%s_%s", name, stat_names[which]);
    double t = statistic(ns, reps, which, scratch);
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:s, s:s, s:i, s:f, s:f, s:s}", "name",
                     agg_name, "family_index", r->family_index, "per_family_instance_index",
                     r->instance_index, "run_name", name, "run_type", "aggregate", "repetitions",
                     reps, "threads", r->threads, "aggregate_name", stat_names[which],
                     "aggregate_unit", which == STAT_CV ? "percentage" : "time", "iterations", reps,
                     "real_time", t, "cpu_time", t, "time_unit", "ns");
}

/* Completes `o` and appends it (which takes the reference, also on failure). */
static int append_entry(json_t *array, json_t *o, const beex_gemm_row *r, const gb_counter *c,
                        int reps, int rep, gb_stat which, double *scratch)
{
    if (o == NULL)
        return -1;
    if (set_tail(o, r, c, reps, rep, which, scratch) != 0) {
        json_decref(o);
        return -1;
    }
    return json_array_append_new(array, o) != 0 ? -1 : 0;
}

int beex_gemm_rows_append(json_t *array, const beex_gemm_row *r, int reps)
{
    if (r->rep_seconds == NULL || reps < 1)
        return -1;
    char name[160];
    snprintf(name, sizeof name, "%s/%s/%zu/%zu/%zu/%d", beex_gemm_op_name(r->op), r->variant,
             r->shape.m, r->shape.n, r->shape.k, r->threads);
    double macs = (double)r->shape.m * (double)r->shape.n * (double)r->shape.k;
    double *buf = malloc(4 * (size_t)reps * sizeof *buf);
    if (buf == NULL)
        return -1;
    double *ns = buf, *rate = buf + reps, *ratio = buf + 2 * (size_t)reps,
           *scratch = buf + 3 * (size_t)reps;
    for (int i = 0; i < reps; i++) {
        /* Nanoseconds as reals: compare.py prints whole units, so ms would print 0 or 1. */
        ns[i] = r->rep_seconds[i] * 1e9;
        rate[i] = macs / r->rep_seconds[i];
        ratio[i] = rate[i] / r->bound;
    }
    /* The rate and its ratio to the bound vary per repetition; the bound (best of its own
     * runs) and the ratios of medians to other variants are one value for the run. */
    const gb_counter counters[N_COUNTERS] = {
        {r->op == BEEX_GEMM_OP_FP32 ? "MAC_per_s" : "bMAC_per_s", rate, 0},
        {"bound_bMAC_per_s", NULL, r->bound},
        {"bound_ratio", isfinite(r->bound) ? ratio : NULL, NAN}, /* no bound loop: null */
        {"bound_ratio_best", NULL, r->bound_ratio_best},
        {"vs_scalar", NULL, r->vs_scalar},
        {"vs_libxsmm_fp32", NULL, r->vs_libxsmm},
    };
    int rc = 0;
    for (int i = 0; i < reps && rc == 0; i++) {
        json_t *it = iteration_json(r, name, reps, i, ns);
        rc = append_entry(array, it, r, counters, reps, i, STAT_MEAN, scratch);
    }
    /* GB computes no statistics of a single repetition. */
    for (int w = 0; reps >= 2 && w < STAT_COUNT && rc == 0; w++) {
        json_t *agg = aggregate_json(r, name, reps, (gb_stat)w, ns, scratch);
        rc = append_entry(array, agg, r, counters, reps, -1, (gb_stat)w, scratch);
    }
    free(buf);
    return rc;
}
