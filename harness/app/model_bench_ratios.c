/* `beex bench model`'s ratios (docs/benchmarks.md): w1a1 and w1a32 over fp32 and the thread
 * scaling from the grid's interleaved rounds, and the compaction experiment, its pairs
 * interleaved too; each ratio as the median of its per-round values with a 95 % bootstrap
 * interval, and a warning when the interval is too wide to support a claim
 * (bench/ratio_interval.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/app/model_bench_internal.h"
#include "harness/bench/ratio_interval.h"

/* Counts the ratios whose interval supports no claim, for the run's last line. */
static int wide_ratios, all_ratios;

/* A ratio's per-round median and interval: printed under its line (with the warning when
 * the rule says so, bench/ratio_interval.h) and as a JSON object {median, ci95_low, ci95_high,
 * rounds, rel_width, warning}. */
static json_t *ci_report(const char *what, const beex_ratio_ci *ci, const char *unit)
{
    char buf[256];
    const char *warn = beex_ratio_warning(ci, buf, sizeof buf);
    all_ratios++;
    if (ci->n >= BEEX_RATIO_MIN_ROUNDS)
        printf("      %s per round: median %.3f%s, 95 %% interval [%.3f, %.3f], %d rounds\n", what,
               ci->median, unit, ci->lo, ci->hi, ci->n);
    else
        printf("      %s per round: median %.3f%s, %d round%s\n", what, ci->median, unit, ci->n,
               ci->n == 1 ? "" : "s");
    if (warn != NULL) {
        wide_ratios++;
        printf("      WARNING: %s: %s\n", what, warn);
    }
    json_t *j = json_pack("{s:i, s:b}", "rounds", ci->n, "wide", ci->wide);
    json_object_set_new(j, "median", isfinite(ci->median) ? json_real(ci->median) : json_null());
    json_object_set_new(j, "ci95_low", isfinite(ci->lo) ? json_real(ci->lo) : json_null());
    json_object_set_new(j, "ci95_high", isfinite(ci->hi) ? json_real(ci->hi) : json_null());
    json_object_set_new(j, "rel_width",
                        isfinite(ci->rel_width) ? json_real(ci->rel_width) : json_null());
    json_object_set_new(j, "warning", warn ? json_string(warn) : json_null());
    return j;
}

/* Speed-up of `fast` over `slow` round by round (slow's time over fast's). */
static json_t *speedup_ci(const options *o, const char *what, const beex_mb_result *slow,
                          const beex_mb_result *fast)
{
    beex_ratio_ci ci;
    int n = slow->reps < fast->reps ? slow->reps : fast->reps;
    if (beex_ratio_interval(slow->samples, fast->samples, n, (uint64_t)o->seed, &ci) != 0)
        return json_null();
    return ci_report(what, &ci, "x");
}

/* One quantized precision over fp32 in one cell of the grid: wall time; CPU time, the same
 * work measured without the time other processes take from us (exact for one thread; with more
 * it counts spinning); best to best, since a busy machine only ever slows a batch down. */
static void ratios_of(const beex_mb_result *rf, const beex_mb_result *rq, double r[3])
{
    r[0] = rq->examples_per_s / rf->examples_per_s;
    r[1] = rf->cpu_seconds.median / rq->cpu_seconds.median;
    r[2] = rf->batch_seconds.min / rq->batch_seconds.min;
}

static void ratio_text(const beex_mb_result *rf, const beex_mb_result *rq, char *text, size_t len)
{
    double r[3];
    snprintf(text, len, "n/a");
    if (rq->reps == 0)
        return;
    ratios_of(rf, rq, r);
    snprintf(text, len, "%.2fx (cpu %.2fx, best %.2fx)", r[0], r[1], r[2]);
}

/* Its JSON fields <prec>_over_fp32, _cpu_time, _best, _rounds (the last prints its interval),
 * when it ran. */
static void ratio_json(const options *o, const beex_mb_result *rf, const beex_mb_result *rq,
                       beex_precision prec, json_t *j)
{
    if (rq->reps == 0)
        return;
    double r[3];
    ratios_of(rf, rq, r);
    static const char *const suffix[3] = {"", "_cpu_time", "_best"};
    const char *name = beex_precision_name(prec);
    char key[64], what[32];
    for (int k = 0; k < 3; k++) {
        snprintf(key, sizeof key, "%s_over_fp32%s", name, suffix[k]);
        json_object_set_new(j, key, json_real(r[k]));
    }
    snprintf(key, sizeof key, "%s_over_fp32_rounds", name);
    snprintf(what, sizeof what, "%s/fp32", name);
    json_object_set_new(j, key, speedup_ci(o, what, rf, rq));
}

/* w1a1, w1a32 and w8a8 over fp32 from the grid's figures: printed, and one JSON object each
 * (w8a8 only where it ran). */
void beex_mbr_report_ratios(const options *o, const shape_inputs *si, json_t *ratios)
{
    const char *sname = si->name;
    const table *tab = si->tab;
    /* Over fp32, same variant, threads, batch and parallel mode. */
    int have_ratio = 0;
    for (int v = 0; v < o->variants.n; v++)
        for (int t = 0; t < o->threads.n; t++)
            for (int b = 0; b < o->batches.n; b++)
                for (int par = 0; par < 2; par++) {
                    int isa = o->variants.v[v];
                    const beex_mb_result *rf = CELL(tab, BEEX_PREC_FP32, isa, t, b, par);
                    const beex_mb_result *rw = CELL(tab, BEEX_PREC_W1A1, isa, t, b, par);
                    const beex_mb_result *rh = CELL(tab, BEEX_PREC_W1A32, isa, t, b, par);
                    const beex_mb_result *r8 = CELL(tab, BEEX_PREC_W8A8, isa, t, b, par);
                    if (rf->reps == 0 || (rw->reps == 0 && rh->reps == 0 && r8->reps == 0))
                        continue;
                    if (!have_ratio++)
                        printf("\nspeed over the fp32 twin (same run, variant, threads, batch; "
                               "median wall time,\n"
                               "median CPU time, fastest batch; then per round, the cases being "
                               "interleaved):\n");
                    char wr[64], hr[64], qr[80] = "";
                    ratio_text(rf, rw, wr, sizeof wr);
                    ratio_text(rf, rh, hr, sizeof hr);
                    if (r8->reps > 0) {
                        char q[64];
                        ratio_text(rf, r8, q, sizeof q);
                        snprintf(qr, sizeof qr, "  w8a8/fp32 %s", q);
                    }
                    printf("  %-9s %-7s threads %d batch %4d %-8s  w1a1/fp32 %-32s  w1a32/fp32 "
                           "%s%s\n",
                           sname, beex_isa_name((beex_isa)isa), o->threads.v[t], o->batches.v[b],
                           par ? "examples" : "ops", wr, hr, qr);
                    json_t *j = json_object();
                    json_object_set_new(j, "shape", json_string(sname));
                    json_object_set_new(j, "variant", json_string(beex_isa_name((beex_isa)isa)));
                    json_object_set_new(j, "threads", json_integer(o->threads.v[t]));
                    json_object_set_new(j, "batch", json_integer(o->batches.v[b]));
                    json_object_set_new(j, "parallel",
                                        json_string(par ? "across_examples" : "within_ops"));
                    ratio_json(o, rf, rw, BEEX_PREC_W1A1, j);
                    ratio_json(o, rf, rh, BEEX_PREC_W1A32, j);
                    ratio_json(o, rf, r8, BEEX_PREC_W8A8, j);
                    json_array_append_new(ratios, j);
                }
}

/* Thread scaling from the grid's figures: per precision, variant, batch and parallel mode,
 * examples/s at each thread count over the first count's, and that over the thread ratio
 * (parallel efficiency), with the speed-up's per-round interval. Printed, and objects
 * {"kind": "thread_scaling", ...} in `out`. */
void beex_mbr_report_scaling(const options *o, const shape_inputs *si, json_t *out)
{
    const table *tab = si->tab;
    int printed = 0, t0 = o->threads.v[0];
    for (int p = 0; p < o->precisions.n; p++)
        for (int v = 0; v < o->variants.n; v++)
            for (int b = 0; b < o->batches.n; b++)
                for (int par = 0; par < 2; par++)
                    for (int t = 1; t < o->threads.n; t++) {
                        int prec = o->precisions.v[p], isa = o->variants.v[v];
                        /* one thread is always "ops"; the others in their own mode */
                        const beex_mb_result *rb = CELL(tab, prec, isa, 0, b, 0);
                        const beex_mb_result *rt = CELL(tab, prec, isa, t, b, par);
                        if (rb->reps == 0 || rt->reps == 0)
                            continue;
                        double sp = rt->examples_per_s / rb->examples_per_s;
                        double eff = sp / ((double)o->threads.v[t] / t0);
                        if (!printed++)
                            printf("\nthread scaling (examples/s over %d thread%s, same run; "
                                   "efficiency = speed-up / thread ratio):\n",
                                   t0, t0 == 1 ? "" : "s");
                        printf("  %-9s %-6s %-7s batch %4d %-8s %2d threads: %.2fx, efficiency "
                               "%.2f\n",
                               si->name, beex_precision_name((beex_precision)prec),
                               beex_isa_name((beex_isa)isa), o->batches.v[b],
                               par ? "examples" : "ops", o->threads.v[t], sp, eff);
                        char what[64];
                        snprintf(what, sizeof what, "%d/%d threads", o->threads.v[t], t0);
                        json_t *j = json_pack(
                            "{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:f, s:f}", "kind",
                            "thread_scaling", "shape", si->name, "precision",
                            beex_precision_name((beex_precision)prec), "variant",
                            beex_isa_name((beex_isa)isa), "batch", o->batches.v[b], "parallel",
                            par ? "across_examples" : "within_ops", "threads", o->threads.v[t],
                            "over_threads", t0, "speedup", sp, "efficiency", eff);
                        json_object_set_new(j, "speedup_rounds", speedup_ci(o, what, rb, rt));
                        json_array_append_new(out, j);
                    }
}
/* Compaction's time saved over the OPs it saves, round by round: (1 - half / all) in time
 * over (1 - half / all) in OPs (each batch's own count, from the exits it took). */
static json_t *compaction_ci(const options *o, const beex_mb_result *full,
                             const beex_mb_result *half)
{
    int n = full->reps < half->reps ? full->reps : half->reps;
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    beex_ratio_ci ci;
    if (v == NULL)
        return json_null();
    for (int r = 0; r < n; r++) {
        double ops_saved = 1.0 - half->ops[r] / full->ops[r];
        v[r] = ops_saved > 0.0 ? (1.0 - half->samples[r] / full->samples[r]) / ops_saved : NAN;
    }
    int rc = beex_median_interval(v, n, (uint64_t)o->seed, &ci);
    free(v);
    return rc == 0 ? ci_report("time saved / OPs saved", &ci, "") : json_null();
}

/* The compaction experiment on the first variant and thread count: a batch where every other
 * example is capped at block 2 (the rest run all N blocks) against the same batch running
 * all blocks, which is what the batch costs without compaction (exited rows would still flow
 * through every GEMM); every precision's pair interleaved in one group. */
int beex_mbr_time_compaction(const options *o, shape_inputs *si, json_t *benchmarks,
                             json_t *compaction)
{
    const beex_config cfg = si->cfg;
    const char *sname = si->name;
    int *cap = si->cap;
    char err[512];
    if (o->compaction_batch < 2 || cfg.blocks <= 2)
        return 0;
    int isa = o->variants.v[0], th = o->threads.v[0];
    printf("\ncompaction (batch %d, %s, %d threads; half the batch capped at block 2 of %d; "
           "interleaved):\n",
           o->compaction_batch, beex_isa_name((beex_isa)isa), th, cfg.blocks);
    for (int i = 0; i < si->nex; i++)
        cap[i] = i % 2 == 0 ? 2 : cfg.blocks;
    const int_list *cp =
        o->compaction_precisions.n > 0 ? &o->compaction_precisions : &o->precisions;
    beex_mb_case cases[2 * 3];
    const int *caps[2 * 3];
    int n = 0;
    for (int p = 0; p < cp->n && n < 6; p++)
        for (int half = 0; half < 2; half++) {
            beex_mb_case c = {
                (beex_precision)cp->v[p], isa,         th,          o->compaction_batch,
                BEEX_MB_WITHIN_OPS,       o->min_time, o->min_reps, o->max_reps};
            cases[n] = c;
            caps[n++] = half ? cap : NULL;
        }
    beex_mb_result res[2 * 3] = {{0}};
    beex_mb_inputs in = inputs_of(si);
    beex_mb_group g = {
        cases,         caps,        n,           -INFINITY,
        o->min_time,   o->min_reps, o->max_reps, beex_mbr_group_seed(o, si->shape, MAXL),
        o->slot_warmup};
    if (beex_mb_measure_group(si->pool, &in, &g, res, err, sizeof err) != 0) {
        fprintf(stderr, "beex bench model: %s\n", err);
        return -1;
    }
    int rc = 0;
    for (int k = 0; k < n; k += 2) {
        const beex_mb_case *c = &cases[k];
        const beex_mb_result *full = &res[k], *half = &res[k + 1];
        /* Ideal: time proportional to the block-rows computed. */
        double ideal = 0.5 + 0.5 * 2.0 / cfg.blocks;
        double got = half->batch_seconds.median / full->batch_seconds.median;
        double gotc = half->cpu_seconds.median / full->cpu_seconds.median;
        double ops = 0.0, ops_half = 0.0;
        for (int r = 0; r < full->reps && r < half->reps; r++)
            ops += full->ops[r], ops_half += half->ops[r];
        double ops_saved = ops > 0.0 ? 1.0 - ops_half / ops : 0.0;
        printf("  %-9s %-6s all blocks %9.3f ms  half exit at 2 %9.3f ms  time saved %5.1f %% "
               "(cpu time %5.1f %%, ideal %5.1f %%, OPs saved %5.1f %%)\n",
               sname, beex_precision_name(c->precision), full->batch_seconds.median * 1e3,
               half->batch_seconds.median * 1e3, 100.0 * (1.0 - got), 100.0 * (1.0 - gotc),
               100.0 * (1.0 - ideal), 100.0 * ops_saved);
        json_t *ci = compaction_ci(o, full, half);
        if (rc == 0 &&
            (beex_mbr_case_rows(benchmarks, sname, c, si->T, "/compaction:none", full, NULL) ||
             beex_mbr_case_rows(benchmarks, sname, c, si->T, "/compaction:half_at_2", half,
                                NULL))) {
            fprintf(stderr, "beex bench model: out of memory for the JSON\n");
            rc = -1;
        }
        json_t *j = json_object();
        json_object_set_new(j, "shape", json_string(sname));
        json_object_set_new(j, "precision", json_string(beex_precision_name(c->precision)));
        json_object_set_new(j, "variant", json_string(beex_isa_name((beex_isa)isa)));
        json_object_set_new(j, "threads", json_integer(th));
        json_object_set_new(j, "batch", json_integer(c->batch));
        json_object_set_new(j, "all_blocks_ms", json_real(full->batch_seconds.median * 1e3));
        json_object_set_new(j, "half_exit_at_2_ms", json_real(half->batch_seconds.median * 1e3));
        json_object_set_new(j, "time_saved_fraction", json_real(1.0 - got));
        json_object_set_new(j, "cpu_time_saved_fraction", json_real(1.0 - gotc));
        json_object_set_new(j, "ideal_saved_fraction", json_real(1.0 - ideal));
        json_object_set_new(j, "ops_saved_fraction", json_real(ops_saved));
        json_object_set_new(j, "time_over_ops_saved_rounds", ci);
        json_array_append_new(compaction, j);
    }
    for (int k = 0; k < n; k++)
        beex_mb_result_free(&res[k]);
    return rc;
}

void beex_mbr_wide_ratios(int *wide, int *all)
{
    *wide = wide_ratios;
    *all = all_ratios;
}
