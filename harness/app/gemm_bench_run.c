/* `beex bench gemm`'s run (gemm_bench_run.h): rows in the table and in Google Benchmark's
 * JSON shape. */
#include "harness/app/gemm_bench_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/bench/bound.h"
#include "harness/bench/ibound.h"
#include "harness/bench/igemm_bench.h"
#include "harness/report/gbench_json.h"
#include "kernels/registry.h"

/* The vs_dnnl column is there only when the int8 rows are. */
static void print_header(int w8a8)
{
    printf("%-6s %-8s %6s %6s %6s %3s %10s %10s %10s %11s %7s %8s %9s %9s%s\n", "op", "variant",
           "M", "N", "K", "thr", "median_ms", "min_ms", "max_ms", "G(b)MAC/s", "bound", "bnd_best",
           "vs_scalar", "vs_xsmm", w8a8 ? "   vs_dnnl" : "");
}

static void print_ratio(double v, int width, int prec)
{
    if (isfinite(v))
        printf(" %*.*f", width, prec, v);
    else
        printf(" %*s", width, "-");
}

static void print_row(const beex_gemm_row *r, int w8a8)
{
    printf("%-6s %-8s %6zu %6zu %6zu %3d %10.4f %10.4f %10.4f %11.1f", beex_gemm_op_name(r->op),
           r->variant, r->shape.m, r->shape.n, r->shape.k, r->threads, r->seconds.median * 1e3,
           r->seconds.min * 1e3, r->seconds.max * 1e3, r->macs_per_s / 1e9);
    print_ratio(r->bound_ratio, 7, 3);
    print_ratio(r->bound_ratio_best, 8, 3);
    print_ratio(r->vs_scalar, 9, 2);
    print_ratio(r->vs_libxsmm, 9, 2);
    if (w8a8)
        print_ratio(NAN, 9, 2);
    printf("\n");
    fflush(stdout);
}

/* The row's ceiling (core_ceiling.h) as JSON: each CPU's single-thread speed, their sum over
 * the cores the threads can use, the threads' speed, and the ratio with its interval over
 * the rounds. */
static json_t *ceiling_json(const beex_gemm_row *r)
{
    const beex_ceiling *c = r->ceiling;
    const char *unit = r->op == BEEX_GEMM_OP_FP32 ? "MAC_per_s" : "bMAC_per_s";
    json_t *cpus = json_array();
    for (int i = 0; cpus != NULL && i < c->ncpus; i++)
        json_array_append_new(
            cpus, json_pack("{s:i, s:f}", "cpu", r->ceiling_cpus[i], unit, c->cpu_rate[i]));
    return json_pack("{s:o, s:i, s:f, s:f, s:{s:f, s:f, s:f}, s:i, s:f, s:s}", "cpus", cpus,
                     "cores_summed", c->counted, "ceiling", c->ceiling, "threads_rate",
                     c->team_rate, "ratio", "median", c->ratio, "p2_5", c->ratio_lo, "p97_5",
                     c->ratio_hi, "rounds", c->rounds, "target", c->target, "reaches_target",
                     beex_ceiling_verdict_name(c->verdict));
}

static void print_ceiling(const beex_gemm_row *r)
{
    const beex_ceiling *c = r->ceiling;
    printf("  ceiling:");
    for (int i = 0; i < c->ncpus; i++)
        printf(" CPU %d %.1f%s", r->ceiling_cpus[i], c->cpu_rate[i] / 1e9,
               i + 1 < c->ncpus ? "," : "");
    printf(" -> %.1f G(b)MAC/s over %d core%s; %d threads %.1f: ratio %.3f [%.3f, %.3f] over %d "
           "rounds; reaches %.1f: %s\n",
           c->ceiling / 1e9, c->counted, c->counted == 1 ? "" : "s", c->threads, c->team_rate / 1e9,
           c->ratio, c->ratio_lo, c->ratio_hi, c->rounds, c->target,
           beex_ceiling_verdict_name(c->verdict));
    fflush(stdout);
}

/* Appends to `rows` the row as Google Benchmark 1.7 writes one benchmark run with
 * repetitions, so that GB's tools/compare.py reads two such files: first the repetitions
 * (run_type "iteration", repetition_index, iterations 1), then, when reps >= 2 (GB writes no
 * aggregates for one repetition), "<name>_mean", "_median", "_stddev" and "_cv" (run_type
 * "aggregate", aggregate_name, aggregate_unit "time" or "percentage"). Times are wall-clock
 * nanoseconds (time_unit "ns"); cpu_time repeats real_time, since beex measures no CPU time.
 * The counters (MAC/s, bound_ratio, vs_scalar, ...) sit at the top level of every entry as GB
 * puts user counters: per repetition on the iterations, and on each aggregate that statistic of
 * them (a run-wide ratio such as vs_scalar is a constant: its stddev and cv are 0). The name is
 * "<op>/<variant>/M/N/K/threads". Returns 0 (also when rows is NULL: no --json), or -1 (out
 * of memory, or rep_seconds NULL). */
static int append_row(json_t *rows, const beex_gemm_row *r, int reps)
{
    if (rows == NULL)
        return 0;
    if (r->rep_seconds == NULL || reps < 1)
        return -1;
    char name[160];
    snprintf(name, sizeof name, "%s/%s/%zu/%zu/%zu/%d", beex_gemm_op_name(r->op), r->variant,
             r->shape.m, r->shape.n, r->shape.k, r->threads);
    double macs = (double)r->shape.m * (double)r->shape.n * (double)r->shape.k;
    double *buf = malloc(2 * (size_t)reps * sizeof *buf);
    if (buf == NULL)
        return -1;
    double *rate = buf, *ratio = buf + reps;
    for (int i = 0; i < reps; i++) {
        rate[i] = macs / r->rep_seconds[i];
        ratio[i] = rate[i] / r->bound;
    }
    /* The rate and its ratio to the bound vary per repetition; the bound (best of its own
     * runs) and the ratios of medians to other variants are one value for the run. */
    const beex_gb_counter counters[] = {
        {r->op == BEEX_GEMM_OP_FP32 ? "MAC_per_s" : "bMAC_per_s", rate, 0},
        {"bound_bMAC_per_s", NULL, r->bound},
        {"bound_ratio", isfinite(r->bound) ? ratio : NULL, NAN}, /* no bound loop: null */
        {"bound_ratio_best", NULL, r->bound_ratio_best},
        {"vs_scalar", NULL, r->vs_scalar},
        {"vs_libxsmm_fp32", NULL, r->vs_libxsmm},
    };
    /* beex's description of the row (GB has no such fields; they keep a row readable without
     * parsing its name) */
    json_t *fields = json_pack("{s:s, s:s, s:I, s:I, s:I}", "op", beex_gemm_op_name(r->op),
                               "variant", r->variant, "M", (json_int_t)r->shape.m, "N",
                               (json_int_t)r->shape.n, "K", (json_int_t)r->shape.k);
    beex_gb_run run = {.name = name,
                       .family_index = r->family_index,
                       .instance_index = r->instance_index,
                       .threads = r->threads,
                       .reps = reps,
                       .seconds = r->rep_seconds,
                       .iterations = 1.0,
                       .counters = counters,
                       .ncounters = (int)(sizeof counters / sizeof counters[0]),
                       .fields = fields};
    /* json_object_set_new takes the ceiling's reference, and fails on NULL. */
    if (fields != NULL && r->ceiling != NULL &&
        json_object_set_new(fields, "ceiling", ceiling_json(r)) != 0) {
        json_decref(fields);
        fields = NULL; /* reported below */
    }
    int rc = fields != NULL ? beex_gb_append(rows, &run) : -1;
    json_decref(fields);
    free(buf);
    return rc;
}

/* Variants are measured in beex_isa order (kernels/cpu.h's list). */
enum { N_VARIANTS = BEEX_ISA_COUNT };

/* A binary row for isa: asked for (scalar always is) and in the bgemm family's list (a variant
 * with no line there would run its parent's code under its own name). */
static int variant_reported(const beex_gemm_bench_opts *o, beex_isa isa)
{
    return (isa == BEEX_ISA_SCALAR || o->use[isa]) && beex_family_bgemm.has(isa);
}

/* Google Benchmark numbers the families in registration order; beex's families (op/variant
 * pairs) are numbered in the order one shape measures them, so that the index does not
 * depend on which shape or thread count comes first. */
static int family_index(const beex_gemm_bench_opts *o, int op, beex_isa isa)
{
    int f = o->libxsmm; /* libxsmm fp32 is family 0 when compared */
    for (int p = 0; p < 2; p++)
        for (int v = 0; v < N_VARIANTS && o->ops[p]; v++) {
            if (p == op && (beex_isa)v == isa)
                return f;
            f += variant_reported(o, (beex_isa)v);
        }
    return -1;
}

/* All rows of one shape on one thread count: libxsmm, scalar, then the other variants.
 * shape_i and thread_i number the instance within each family (shapes outer, threads
 * inner, the order GB gives Args x ThreadRange). */
static int bench_shape(const beex_gemm_bench_opts *o, int shape_i, int thread_i, json_t *rows)
{
    char err[256];
    beex_gemm_shape s = o->shapes[shape_i];
    int threads = o->threads[thread_i];
    int instance = shape_i * o->nthreads + thread_i;
    double macs = (double)s.m * (double)s.n * (double)s.k;
    double xsmm_median = NAN;
    if (o->libxsmm) {
        beex_gemm_row r = {.op = BEEX_GEMM_OP_FP32,
                           .variant = "libxsmm",
                           .shape = s,
                           .threads = threads,
                           .bound = NAN,
                           .bound_ratio = NAN,
                           .bound_ratio_best = NAN,
                           .vs_scalar = NAN,
                           .vs_libxsmm = 1.0,
                           .family_index = 0,
                           .instance_index = instance};
        double reps_s[BEEX_GEMM_BENCH_MAX_REPS];
        r.rep_seconds = reps_s;
        if (beex_bench_libxsmm(s, threads, o->reps, &r.seconds, reps_s, err, sizeof err) != 0) {
            fprintf(stderr, "beex bench gemm: %s\n", err);
            return -1;
        }
        r.macs_per_s = macs / r.seconds.median;
        xsmm_median = r.seconds.median;
        print_row(&r, o->w8a8);
        if (append_row(rows, &r, o->reps) != 0)
            return -1;
    }
    for (int op = 0; op < 2; op++) {
        if (!o->ops[op])
            continue;
        double scalar_median = NAN;
        for (int v = 0; v < N_VARIANTS; v++) {
            beex_isa isa = (beex_isa)v;
            if (!variant_reported(o, isa))
                continue;
            beex_gemm_row r = {.op = (beex_gemm_op)op,
                               .variant = beex_isa_name(isa),
                               .shape = s,
                               .threads = threads,
                               .family_index = family_index(o, op, isa),
                               .instance_index = instance};
            double reps_s[BEEX_GEMM_BENCH_MAX_REPS];
            r.rep_seconds = reps_s;
            if (beex_bench_binary(r.op, isa, s, threads, o->reps, &r.seconds, reps_s, err,
                                  sizeof err) != 0) {
                fprintf(stderr, "beex bench gemm: %s\n", err);
                return -1;
            }
            r.macs_per_s = macs / r.seconds.median;
            if (isa == BEEX_ISA_SCALAR)
                scalar_median = r.seconds.median;
            /* The bound loops model the W1A1 micro-kernels only. */
            r.bound = NAN, r.bound_ratio = NAN, r.bound_ratio_best = NAN;
            double bbest = NAN;
            /* The bound is a peak: the best of 15 short runs (preemption only lowers a run). */
            if (r.op == BEEX_GEMM_OP_W1A1 &&
                beex_bound_measure(isa, threads, 15, o->bound_seconds, NULL, &bbest) == 0) {
                r.bound = bbest;
                r.bound_ratio = r.macs_per_s / bbest;
                r.bound_ratio_best = macs / r.seconds.min / bbest;
            }
            r.vs_scalar = scalar_median / r.seconds.median;
            r.vs_libxsmm = xsmm_median / r.seconds.median;
            print_row(&r, o->w8a8);
            beex_ceiling ceil;
            int cpus[BEEX_CEILING_MAX_CPUS], ncpus = 0;
            if (o->ceiling && threads > 1) {
                if (beex_bench_ceiling(r.op, isa, s, threads, o->reps, &ceil, cpus, &ncpus, err,
                                       sizeof err) != 0) {
                    fprintf(stderr, "beex bench gemm: %s\n", err);
                    return -1;
                }
                r.ceiling = &ceil;
                r.ceiling_cpus = cpus;
                print_ceiling(&r);
            }
            if (append_row(rows, &r, o->reps) != 0)
                return -1;
        }
    }
    return 0;
}

/* --- the int8 rows (--op w8a8) --- */

/* What the int8 rows leave for the document: the rows that were not timed, with why. */
typedef struct {
    json_t *not_timed;
    int mismatches;
} irun;

/* Google Benchmark family of the int8 row row_i of a shape: after the fp32 and binary
 * families, in the order beex_ibench_shape gives the rows (every variant asked for, then the
 * peers asked for, timed or not), so that it does not depend on the shape. */
static int ifamily_index(const beex_gemm_bench_opts *o, int row_i)
{
    int f = o->libxsmm;
    for (int p = 0; p < 2; p++)
        for (int v = 0; v < N_VARIANTS && o->ops[p]; v++)
            f += variant_reported(o, (beex_isa)v);
    return f + row_i;
}

/* Row i's ratios (igemm_bench.h), in the order of beex_irow_ratios, and their JSON keys. */
typedef struct {
    beex_ratio_ci vs[BEEX_IVS_COUNT];
} iratios;
static const char *const iratio_keys[BEEX_IVS_COUNT] = {"vs_scalar", "vs_onednn", "vs_libxsmm_i8"};

/* A ratio's median, marked ~ when its interval supports no claim (ratio_interval.h). */
static void print_ci(const beex_ratio_ci *ci)
{
    if (ci->n == 0 || !isfinite(ci->median))
        printf(" %9s", "-");
    else if (ci->wide)
        printf(" %8.2f~", ci->median);
    else
        printf(" %9.2f", ci->median);
}

static void print_irow(const beex_irow *r, beex_gemm_shape s, int threads, const iratios *q)
{
    printf("%-6s %-8s %6zu %6zu %6zu %3d", "w8a8", r->name, s.m, s.n, s.k, threads);
    if (r->status != BEEX_ICASE_OK) {
        printf("  %s: %s\n",
               r->status == BEEX_ICASE_MISMATCH ? "MISMATCH, not timed"
               : r->peer                        ? "absent"
                                                : "skipped",
               r->why);
        return;
    }
    printf(" %10.4f %10.4f %10.4f %11.1f", r->seconds.median * 1e3, r->seconds.min * 1e3,
           r->seconds.max * 1e3, r->macs_per_s / 1e9);
    print_ratio(r->bound_ratio, 7, 3);
    print_ratio(r->bound_ratio_best, 8, 3);
    print_ci(&q->vs[BEEX_IVS_SCALAR]);
    print_ci(&q->vs[BEEX_IVS_LIBXSMM]);
    print_ci(&q->vs[BEEX_IVS_ONEDNN]);
    printf("\n");
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *ci_json(const beex_ratio_ci *ci)
{
    return json_pack("{s:i, s:o, s:o, s:o, s:o, s:b}", "rounds", ci->n, "median",
                     num_or_null(ci->median), "ci95_low", num_or_null(ci->lo), "ci95_high",
                     num_or_null(ci->hi), "rel_width", num_or_null(ci->rel_width), "wide",
                     ci->wide);
}

/* A timed int8 row in Google Benchmark's layout (as append_row): MAC_per_s and GB's
 * items_per_second are int8 MACs per second, GOPS twice that in 1e9 ops. */
static int append_irow(json_t *rows, const beex_gemm_bench_opts *o, const beex_irow *r,
                       beex_gemm_shape s, int threads, int family, int instance, const iratios *q)
{
    char name[160];
    snprintf(name, sizeof name, "w8a8/%s/%zu/%zu/%zu/%d", r->name, s.m, s.n, s.k, threads);
    const double macs = (double)s.m * (double)s.n * (double)s.k;
    double *buf = malloc(3 * (size_t)o->reps * sizeof *buf);
    json_t *ratios = json_object();
    json_t *fields =
        json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "op", "w8a8", "variant", r->name, "M",
                  (json_int_t)s.m, "N", (json_int_t)s.n, "K", (json_int_t)s.k, "impl", r->impl,
                  "mac", "int8 multiply-accumulate into int32 (2 ops)");
    int rc = buf != NULL && ratios != NULL && fields != NULL ? 0 : -1;
    for (int k = 0; k < BEEX_IVS_COUNT && rc == 0; k++)
        rc = json_object_set_new(ratios, iratio_keys[k], ci_json(&q->vs[k]));
    if (rc == 0)
        rc = json_object_set(fields, "ratios", ratios);
    if (rc == 0) {
        double *rate = buf, *gops = buf + o->reps, *ratio = buf + 2 * (size_t)o->reps;
        for (int i = 0; i < o->reps; i++) {
            rate[i] = macs / r->rep_seconds[i];
            gops[i] = 2.0 * rate[i] / 1e9;
            ratio[i] = rate[i] / r->bound;
        }
        const beex_gb_counter counters[] = {
            {"MAC_per_s", rate, 0},
            {"items_per_second", rate, 0},
            {"GOPS", gops, 0},
            {"bound_MAC_per_s", NULL, r->bound},
            {"bound_ratio", isfinite(r->bound) ? ratio : NULL, NAN},
            {"bound_ratio_best", NULL, r->bound_ratio_best},
            {iratio_keys[BEEX_IVS_SCALAR], NULL, q->vs[BEEX_IVS_SCALAR].median},
            {iratio_keys[BEEX_IVS_ONEDNN], NULL, q->vs[BEEX_IVS_ONEDNN].median},
            {iratio_keys[BEEX_IVS_LIBXSMM], NULL, q->vs[BEEX_IVS_LIBXSMM].median},
        };
        beex_gb_run run = {.name = name,
                           .family_index = family,
                           .instance_index = instance,
                           .threads = threads,
                           .reps = o->reps,
                           .seconds = r->rep_seconds,
                           .iterations = 1.0,
                           .counters = counters,
                           .ncounters = (int)(sizeof counters / sizeof counters[0]),
                           .fields = fields};
        rc = beex_gb_append(rows, &run);
    }
    json_decref(ratios), json_decref(fields);
    free(buf);
    return rc;
}

/* A row that was not timed: said on stderr when a peer disagreed, and kept for the document. */
static void note_untimed(irun *ir, const beex_irow *r, beex_gemm_shape s, int threads)
{
    const char *status = r->status == BEEX_ICASE_MISMATCH ? "mismatch"
                         : r->peer                        ? "absent"
                                                          : "skipped";
    if (r->status == BEEX_ICASE_MISMATCH) {
        ir->mismatches++;
        fprintf(stderr,
                "beex bench gemm: WARNING: w8a8 %s on %zux%zux%zu, %d thread(s), differs from "
                "beex's result, so its time is not reported: %s\n",
                r->name, s.m, s.n, s.k, threads, r->why);
    }
    if (ir->not_timed != NULL)
        json_array_append_new(ir->not_timed,
                              json_pack("{s:s, s:b, s:I, s:I, s:I, s:i, s:s, s:s}", "name", r->name,
                                        "peer", r->peer, "M", (json_int_t)s.m, "N", (json_int_t)s.n,
                                        "K", (json_int_t)s.k, "threads", threads, "status", status,
                                        "why", r->why));
}

/* The int8 rows of one shape on one thread count, interleaved. */
static int bench_ishape(const beex_gemm_bench_opts *o, int shape_i, int thread_i, json_t *rows,
                        irun *ir)
{
    char err[512];
    beex_irow irows[BEEX_IBENCH_MAX_CASES];
    int n = 0;
    beex_ibench_plan p = {.s = o->shapes[shape_i],
                          .threads = o->threads[thread_i],
                          .reps = o->reps,
                          .use = o->use,
                          .dnnl = o->dnnl_i8,
                          .libxsmm = o->libxsmm_i8,
                          .bound_seconds = o->bound_seconds,
                          .seed = o->seed};
    if (beex_ibench_shape(&p, irows, &n, err, sizeof err) != 0) {
        fprintf(stderr, "beex bench gemm: %s\n", err);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        iratios q;
        beex_irow_ratios(irows, n, i, o->reps, o->seed, q.vs);
        print_irow(&irows[i], p.s, p.threads, &q);
        if (irows[i].status != BEEX_ICASE_OK)
            note_untimed(ir, &irows[i], p.s, p.threads);
        else if (rows != NULL)
            rc = append_irow(rows, o, &irows[i], p.s, p.threads, ifamily_index(o, i),
                             shape_i * o->nthreads + thread_i, &q);
    }
    for (int i = 0; i < n; i++)
        if (irows[i].peer && irows[i].status == BEEX_ICASE_OK)
            printf("  %s: %s\n", irows[i].name, irows[i].impl);
    fflush(stdout);
    beex_irows_free(irows, n);
    return rc;
}

/* The int8 part of the note above the table. */
static void print_int8_note(const beex_gemm_bench_opts *o)
{
    printf("int8 bound loops:");
    for (int i = 0; i < BEEX_ISA_COUNT; i++)
        if (o->use[i] || i == BEEX_ISA_SCALAR)
            printf(" %s = %s;", beex_isa_name((beex_isa)i), beex_ibound_describe((beex_isa)i));
    printf("\nw8a8 rows: beex_igemm_w8a8 (activations quantized, weights repacked before the "
           "clock) and\n"
           "its peers on the same operands, each checked once against beex's result:\n"
           "  onednn = %s\n  libxsmm = %s\n"
           "every case of a shape timed in %d interleaved rounds (seed %llu), a warm-up call "
           "before\n"
           "each timed one; G(b)MAC/s = int8 MAC/s (1 MAC = 2 ops: GOPS = 2 x GMAC/s); bound = "
           "over\n"
           "the variant's int8 bound loop; vs_* = median over the rounds of the other's time / "
           "this\n"
           "one's (vs_xsmm: libxsmm int8), ~ when its 95 %% interval is wider than %.0f %% of it "
           "or\n"
           "rounds < %d\n",
           o->dnnl_i8 ? beex_dnnl_describe() : "not asked for (--no-onednn)",
           o->libxsmm_i8 ? beex_libxsmm_i8_describe() : "not asked for (--no-libxsmm)", o->reps,
           (unsigned long long)o->seed, BEEX_RATIO_MAX_REL_WIDTH * 100.0, BEEX_RATIO_MIN_ROUNDS);
}

/* With w8a8 the document gains "beex": {"w8a8": ...}: the libraries, the schedule, and the
 * rows that were not timed with why. Takes rows and not_timed. Returns the exit status. */
static int write_document(const beex_gemm_bench_opts *o, json_t *rows, irun *ir)
{
    char err[512];
    if (!o->w8a8) {
        int rc = beex_gb_write(rows, o->json, err, sizeof err);
        json_decref(rows);
        if (rc != 0)
            fprintf(stderr, "beex bench gemm: %s\n", err);
        return rc != 0;
    }
    json_t *doc = beex_gb_document(rows);
    json_decref(rows);
    json_t *w = json_pack(
        "{s:s, s:i, s:{s:s, s:s}, s:{s:s, s:I, s:i, s:s}, s:O, s:i}", "mac",
        "int8 multiply-accumulate into int32; GOPS = 2 x MAC/s / 1e9", "ops_per_mac", 2, "peers",
        "onednn", o->dnnl_i8 ? beex_dnnl_describe() : "not asked for (--no-onednn)", "libxsmm",
        o->libxsmm_i8 ? beex_libxsmm_i8_describe() : "not asked for (--no-libxsmm)", "interleaving",
        "schedule",
        "per shape and thread count every case once per round (one warm-up call, one timed), "
        "in a seeded random order per round",
        "seed", (json_int_t)o->seed, "rounds", o->reps, "intervals",
        "median of per-round ratios, 95 % percentile bootstrap of the median", "not_timed",
        ir->not_timed != NULL ? ir->not_timed : json_null(), "mismatches", ir->mismatches);
    int rc = 1;
    if (doc == NULL || w == NULL || json_object_set_new(doc, "beex", json_pack("{s:O}", "w8a8", w)))
        snprintf(err, sizeof err, "%s: cannot build the JSON document", o->json);
    else
        rc = beex_json_write_atomic(doc, o->json, err, sizeof err) != 0;
    if (rc != 0)
        fprintf(stderr, "beex bench gemm: %s\n", err);
    json_decref(w), json_decref(doc);
    return rc;
}

/* The bound loops' note, the table and (with --json) the Google Benchmark document: every
 * thread count, every shape. Returns the exit status. */
int beex_gemm_bench_run(const beex_gemm_bench_opts *o)
{
    json_t *rows = o->json != NULL ? json_array() : NULL;
    irun ir = {o->w8a8 ? json_array() : NULL, 0};
    if (o->json != NULL && rows == NULL) {
        fprintf(stderr, "beex bench gemm: out of memory\n");
        json_decref(ir.not_timed);
        return 1;
    }
    int binary = o->ops[0] || o->ops[1];
    if (binary) {
        printf("bound loops:");
        for (int i = 0; i < BEEX_ISA_COUNT; i++)
            if (variant_reported(o, (beex_isa)i))
                printf(" %s = %s;", beex_isa_name((beex_isa)i), beex_bound_describe((beex_isa)i));
        for (int i = 0; i < BEEX_ISA_COUNT; i++)
            if (o->use[i] && !beex_family_bgemm.has((beex_isa)i))
                printf("\n(no w1a1/w1a32 rows for %s: the bgemm family has no code for it)",
                       beex_isa_name((beex_isa)i));
        printf("\nratios: bound = median (b)MAC/s over the variant's bound loop (best of 15 short "
               "runs on\n"
               "as many threads); bnd_best = the same from the fastest repetition (a busy machine "
               "only\n"
               "slows runs down); vs_* = their median time over this one\n");
    }
    if (o->w8a8)
        print_int8_note(o);
    if (o->ceiling)
        printf("ceiling: the kernel alone pinned to each allowed core and on the threads, "
               "interleaved over\n"
               "--reps rounds; its sum over the cores the threads can use against the threads' "
               "speed, the\n"
               "ratio's median [2.5 %%, 97.5 %%] over the rounds; reaches 0.9: yes (the whole "
               "interval),\n"
               "no (none of it) or unsure (binary rows only)\n");
    printf("\n");
    print_header(o->w8a8);
    int status = 0;
    for (int t = 0; t < o->nthreads && status == 0; t++) {
        char err[256];
        if (beex_threads_setup(o->threads[t], err, sizeof err) < 0) {
            fprintf(stderr, "beex bench gemm: %s\n", err);
            status = 1;
            break;
        }
        for (int s = 0; s < o->nshapes && status == 0; s++)
            if (bench_shape(o, s, t, rows) != 0 ||
                (o->w8a8 && bench_ishape(o, s, t, rows, &ir) != 0))
                status = 1;
    }
    if (o->w8a8 && ir.mismatches > 0)
        printf("\nWARNING: %d w8a8 peer result(s) differed from beex's and were not timed (see "
               "MISMATCH above)\n",
               ir.mismatches);
    if (status == 0 && o->json != NULL) {
        status = write_document(o, rows, &ir);
        rows = NULL;
        if (status == 0)
            printf("\nwrote %s\n", o->json);
    }
    json_decref(rows);
    json_decref(ir.not_timed);
    return status;
}
