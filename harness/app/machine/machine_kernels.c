/* The "kernels" section: the binarized GEMM of every variant (and libxsmm fp32 beside it) at
 * the suite's shapes on one thread and on the team, each as a fraction of the limit measured
 * in the same run (the variant's bound loop at as many threads; the widest fp32 loop times
 * the threads for fp32), and the team's speed-up against the one the ceiling allows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/base/threads.h"
#include "harness/report/gbench_json.h"

enum { MAX_REPS = 400 };

/* Times one kernel for about `slice` seconds: a probe of one repetition sizes the rest. */
static int time_kernel(beex_gemm_op op, int isa, const beex_gemm_shape *s, int threads,
                       double slice, beex_stats *st, double *reps_s, int *reps, char *err,
                       size_t errlen)
{
    beex_stats probe;
    double one;
    int rc = op == BEEX_GEMM_OP_FP32
                 ? beex_bench_libxsmm(*s, threads, 1, &probe, &one, err, errlen)
                 : beex_bench_binary(op, (beex_isa)isa, *s, threads, 1, &probe, &one, err, errlen);
    if (rc != 0)
        return -1;
    int n = one > 0.0 ? (int)(slice / one) : MAX_REPS;
    *reps = n < 3 ? 3 : n > MAX_REPS ? MAX_REPS : n;
    return op == BEEX_GEMM_OP_FP32
               ? beex_bench_libxsmm(*s, threads, *reps, st, reps_s, err, errlen)
               : beex_bench_binary(op, (beex_isa)isa, *s, threads, *reps, st, reps_s, err, errlen);
}

static int gb_rows(beex_machine_ctx *c, const char *op, const char *variant, int family,
                   int instance, const beex_gemm_shape *s, int threads, const double *reps_s,
                   int reps, double limit)
{
    char name[160];
    snprintf(name, sizeof name, "machine/kernel/%s/%s/%zu/%zu/%zu/threads:%d", op, variant, s->m,
             s->n, s->k, threads);
    double work = (double)s->m * s->n * s->k * (op[0] == 'f' ? 2.0 : 1.0);
    double sec[BEEX_MACHINE_GB_REPS], rate[BEEX_MACHINE_GB_REPS], frac[BEEX_MACHINE_GB_REPS];
    double iters = 1.0;
    int n = beex_machine_gb_chunks(reps_s, reps, sec, &iters);
    for (int i = 0; i < n; i++)
        rate[i] = work * iters / sec[i], frac[i] = rate[i] / limit;
    const beex_gb_counter counters[] = {
        {op[0] == 'f' ? "FLOP_per_s" : "bMAC_per_s", rate, 0},
        {"fraction_of_limit", isfinite(limit) ? frac : NULL, NAN},
    };
    json_t *fields = json_pack("{s:s, s:s, s:I, s:I, s:I}", "op", op, "variant", variant, "M",
                               (json_int_t)s->m, "N", (json_int_t)s->n, "K", (json_int_t)s->k);
    beex_gb_run run = {.name = name,
                       .family_index = family,
                       .instance_index = instance,
                       .threads = threads,
                       .reps = n,
                       .seconds = sec,
                       .iterations = iters,
                       .counters = counters,
                       .ncounters = 2,
                       .fields = fields};
    int rc = fields != NULL ? beex_gb_append(c->benchmarks, &run) : -1;
    json_decref(fields);
    return rc;
}

/* Measures one row and appends it to rows. */
static int one_row(beex_machine_ctx *c, json_t *rows, const json_t *limits, beex_gemm_op op,
                   int isa, int shape, int t, int family, char *err, size_t errlen)
{
    const beex_machine_shape *sh = &beex_machine_shapes[shape];
    int threads = c->threads[t];
    const char *opn = beex_gemm_op_name(op);
    const char *variant = op == BEEX_GEMM_OP_FP32 ? "libxsmm" : beex_isa_name((beex_isa)isa);
    char step[96];
    beex_machine_kernel_step(step, sizeof step, opn, variant, &sh->shape, threads);
    double slice = beex_machine_step(c->plan, step);
    beex_stats st;
    double reps_s[MAX_REPS];
    int reps = 0;
    if (time_kernel(op, isa, &sh->shape, threads, slice, &st, reps_s, &reps, err, errlen) != 0)
        return -1;
    double work = (double)sh->shape.m * sh->shape.n * sh->shape.k;
    double rate = work * (op == BEEX_GEMM_OP_FP32 ? 2.0 : 1.0) / st.median;
    double limit = op == BEEX_GEMM_OP_FP32 ? beex_machine_limit_flops(limits, threads)
                                           : beex_machine_limit_bmacs(limits, variant, threads);
    json_t *r =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:i, s:i, s:f, s:f, s:f}", "op", opn,
                  "variant", variant, "shape", sh->family, "what", sh->what, "M",
                  (json_int_t)sh->shape.m, "N", (json_int_t)sh->shape.n, "K",
                  (json_int_t)sh->shape.k, "threads", threads, "reps", reps, "median_seconds",
                  st.median, "min_seconds", st.min, "cv", beex_machine_chunk_cv(reps_s, reps));
    json_object_set_new(r, op == BEEX_GEMM_OP_FP32 ? "flop_per_s" : "bmac_per_s", json_real(rate));
    json_object_set_new(r, "limit", beex_machine_num(limit));
    json_object_set_new(r, "fraction_of_limit", beex_machine_num(rate / limit));
    json_array_append_new(rows, r);
    return gb_rows(c, opn, variant, family, shape * c->nthreads + t, &sh->shape, threads, reps_s,
                   reps, limit);
}

/* Per row at the team's size: its speed-up over its own one-thread row, and that over the
 * speed-up the ceiling allows (the sum of the processes over one core's loop). */
static void scaling(json_t *rows, const json_t *limits, const beex_machine_ctx *c)
{
    const json_t *mc = json_object_get(limits, "multicore");
    double ceil = json_number_value(json_object_get(mc, "ceiling_bmac_per_s"));
    const char *v0 = json_string_value(json_object_get(mc, "variant"));
    double one = v0 != NULL ? beex_machine_limit_bmacs(limits, v0, 1) : NAN;
    double allowed = ceil / one;
    size_t i, j;
    json_t *r, *q;
    json_array_foreach(rows, i, r)
    {
        int th = (int)json_integer_value(json_object_get(r, "threads"));
        if (th <= 1 || c->nthreads < 2)
            continue;
        json_array_foreach(rows, j, q)
        {
            if (json_integer_value(json_object_get(q, "threads")) != 1 ||
                !json_equal(json_object_get(q, "variant"), json_object_get(r, "variant")) ||
                !json_equal(json_object_get(q, "op"), json_object_get(r, "op")) ||
                !json_equal(json_object_get(q, "M"), json_object_get(r, "M")) ||
                !json_equal(json_object_get(q, "N"), json_object_get(r, "N")) ||
                !json_equal(json_object_get(q, "K"), json_object_get(r, "K")))
                continue;
            double sp = json_number_value(json_object_get(q, "median_seconds")) /
                        json_number_value(json_object_get(r, "median_seconds"));
            json_object_set_new(r, "speedup_vs_1_thread", beex_machine_num(sp));
            json_object_set_new(r, "efficiency_vs_threads", beex_machine_num(sp / th));
            json_object_set_new(r, "efficiency_vs_ceiling", beex_machine_num(sp / allowed));
        }
    }
}

json_t *beex_machine_kernels(beex_machine_ctx *c, const json_t *limits, int libxsmm, char *err,
                             size_t errlen)
{
    json_t *rows = json_array();
    for (int s = 0; s < BEEX_MACHINE_NSHAPES; s++)
        for (int t = 0; t < c->nthreads; t++) {
            if (beex_threads_setup(c->threads[t], err, errlen) < 0)
                goto fail;
            int family = 0;
            if (libxsmm &&
                one_row(c, rows, limits, BEEX_GEMM_OP_FP32, -1, s, t, family++, err, errlen) != 0)
                goto fail;
            for (int v = 0; v < c->nvariants; v++)
                if (one_row(c, rows, limits, BEEX_GEMM_OP_W1A1, c->variants[v], s, t, family++, err,
                            errlen) != 0)
                    goto fail;
        }
    scaling(rows, limits, c);
    return rows;
fail:
    json_decref(rows);
    return NULL;
}
