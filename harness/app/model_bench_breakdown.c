/* `beex bench model --breakdown` (docs/benchmarks.md): after a shape's timed rounds, each case's
 * profiled passes beside the floors of the bounds measured on its variant and thread count;
 * a table per case, a JSON object per case, and counters for its Google Benchmark rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/app/model_bench_internal.h"
#include "harness/report/system_probe.h"

int beex_mbr_bd_counters_of(const beex_model_breakdown *bd, beex_mbr_bd_counters *k, json_t *fields)
{
    int n = 0;
    for (int c = 0; c < BEEX_OP_CLASSES; c++) {
        const char *name = beex_op_class_name((beex_op_class)c);
        char key[48];
        snprintf(k->keys[n], sizeof k->keys[n], "bd_%s_ms", name);
        k->c[n] = (beex_gb_counter){k->keys[n], NULL, bd->ms[c]}, n++;
        snprintf(k->keys[n], sizeof k->keys[n], "bd_%s_floor_ms", name);
        k->c[n] = (beex_gb_counter){k->keys[n], NULL, bd->floor_ms[c]}, n++;
        snprintf(key, sizeof key, "bd_%s_bound", name);
        const char *bound = bd->floor_ms[c] > 0.0 ? beex_bound_kind_name(bd->bound[c]) : "none";
        if (json_object_set_new(fields, key, json_string(bound)) != 0)
            return -1;
    }
    static const char *const tail[] = {"bd_other_ms", "bd_classes_ms", "bd_profiled_ms",
                                       "bd_floor_ms", "bd_efficiency"};
    double v[] = {bd->ms[BEEX_BD_OTHER], bd->classes_ms, bd->profiled_ms, bd->floor_ms_total,
                  bd->efficiency};
    for (int i = 0; i < 5; i++)
        k->c[n++] = (beex_gb_counter){tail[i], NULL, v[i]};
    return n;
}

/* The bounds a case's floors were read against, in the units the table prints. */
static json_t *bounds_json(const beex_floor_bounds *b)
{
    static const char *const keys[] = {"w1a1_bound_loop_gbmac_per_s",
                                       "fma_gflop_per_s",
                                       "fp32_products_fma_gflop_per_s",
                                       "dram_gb_per_s",
                                       "cache_gb_per_s",
                                       "llc_mib"};
    double v[] = {b->w1a1_bmac_per_s * 1e-9,     b->fma_flop_per_s * 1e-9,
                  b->fp32_fma_flop_per_s * 1e-9, b->dram_byte_per_s * 1e-9,
                  b->cache_byte_per_s * 1e-9,    b->llc_bytes / 1048576.0};
    json_t *j = json_object();
    for (size_t i = 0; j != NULL && i < sizeof v / sizeof v[0]; i++)
        json_object_set_new(j, keys[i], isfinite(v[i]) ? json_real(v[i]) : json_null());
    return j;
}

static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* One class of a case's breakdown: its time and share, and its floor where it has work. */
static json_t *class_json(const beex_model_breakdown *bd, int k, beex_precision prec)
{
    int named = k < BEEX_OP_CLASSES;
    json_t *j = json_object();
    json_object_set_new(j, "class",
                        json_string(named ? beex_op_class_name((beex_op_class)k) : "other"));
    json_object_set_new(j, "label", json_string(beex_breakdown_label(k, prec)));
    json_object_set_new(j, "ms", real_or_null(bd->ms[k]));
    json_object_set_new(
        j, "percent",
        real_or_null(bd->profiled_ms > 0.0 ? 100.0 * bd->ms[k] / bd->profiled_ms : 0.0));
    if (named && bd->floor_ms[k] != 0.0) {
        json_object_set_new(j, "floor_ms", real_or_null(bd->floor_ms[k]));
        json_object_set_new(j, "floor_over_time",
                            real_or_null(bd->ms[k] > 0.0 ? bd->floor_ms[k] / bd->ms[k] : NAN));
        json_object_set_new(j, "bound", json_string(beex_bound_kind_name(bd->bound[k])));
    }
    return j;
}

/* The breakdown of one case as a JSON object for beex.breakdown. */
static json_t *breakdown_json(const char *shape, const beex_mb_case *c,
                              const beex_model_breakdown *bd, const beex_floor_bounds *b)
{
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i}", "shape", shape, "precision",
                  beex_precision_name(c->precision), "variant", beex_isa_name((beex_isa)c->isa),
                  "threads", c->threads, "batch", c->batch, "parallel",
                  c->parallel == BEEX_MB_ACROSS_EXAMPLES ? "across_examples" : "within_ops",
                  "passes", bd->passes);
    json_t *classes = json_array();
    if (j == NULL || classes == NULL) {
        json_decref(j), json_decref(classes);
        return NULL;
    }
    for (int k = 0; k <= BEEX_BD_OTHER; k++)
        json_array_append_new(classes, class_json(bd, k, c->precision));
    json_object_set_new(j, "profiled_ms", real_or_null(bd->profiled_ms));
    json_object_set_new(j, "classes_ms", real_or_null(bd->classes_ms));
    json_object_set_new(j, "unprofiled_ms", real_or_null(bd->unprofiled_ms));
    json_object_set_new(j, "floor_ms", real_or_null(bd->floor_ms_total));
    json_object_set_new(j, "efficiency", real_or_null(bd->efficiency));
    json_object_set_new(j, "classes", classes);
    json_object_set_new(j, "bounds", bounds_json(b));
    return j;
}

/* --breakdown: every measured case's profiled passes, after all the timed ones, beside the
 * floors of the bounds measured on its variant and thread count. */
int beex_mbr_breakdown(const options *o, shape_inputs *si, json_t *out)
{
    table *tab = si->tab;
    beex_mb_inputs in = inputs_of(si);
    size_t llc = beex_system_llc_bytes();
    double bound_seconds = o->min_time / 5.0 < 0.01  ? 0.01
                           : o->min_time / 5.0 > 0.1 ? 0.1
                                                     : o->min_time / 5.0;
    char err[512];
    printf("\nbreakdown (%d profiled passes per case, apart from the timed ones; floors from the "
           "bounds below, docs/benchmarks.md):\n",
           o->breakdown_passes);
    for (int p = 0; p < o->precisions.n; p++)
        for (int v = 0; v < o->variants.n; v++)
            for (int t = 0; t < o->threads.n; t++)
                for (int b = 0; b < o->batches.n; b++)
                    for (int par = 0; par < 2; par++) {
                        int prec = o->precisions.v[p], isa = o->variants.v[v];
                        beex_mb_result *r = CELL(tab, prec, isa, t, b, par);
                        if (r->reps == 0)
                            continue;
                        beex_mb_case c = case_at(o, prec, isa, t, b, par);
                        const beex_floor_bounds *bounds = beex_floor_bounds_get(
                            (beex_isa)isa, c.threads, llc, bound_seconds, stdout, err, sizeof err);
                        beex_model_breakdown *bd = calloc(1, sizeof *bd);
                        if (bounds == NULL || bd == NULL ||
                            beex_model_breakdown_case(si->pool, &in, &c, &si->cfg,
                                                      o->breakdown_passes, r->batch_seconds.median,
                                                      bounds, bd, err, sizeof err) != 0) {
                            fprintf(stderr, "beex bench model: %s\n", bd ? err : "out of memory");
                            free(bd);
                            return -1;
                        }
                        tab->bd[prec][isa][t][b][par] = bd;
                        printf("\n%s %s %s, %d thread%s, batch %d, %s:\n", si->name,
                               beex_precision_name((beex_precision)prec),
                               beex_isa_name((beex_isa)isa), c.threads, c.threads == 1 ? "" : "s",
                               c.batch, par ? "across examples" : "within ops");
                        beex_model_breakdown_print(stdout, (beex_precision)prec, bd);
                        json_array_append_new(out, breakdown_json(si->name, &c, bd, bounds));
                    }
    fflush(stdout);
    return 0;
}
