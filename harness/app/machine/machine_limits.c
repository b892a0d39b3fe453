/* The "limits" section: this machine's own ceilings, measured, not taken from a data sheet:
 * per variant the binary bound loop on one thread and on the team, the fp32 multiply-add loops
 * (scalar and the widest), the triad's bandwidth, each allowed CPU alone, and one process per
 * core side by side (their sum is the multi-core ceiling the team is read against). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/base/threads.h"
#include "harness/bench/bound.h"
#include "harness/bench/core_ceiling.h"
#include "harness/bench/fma_peak.h"
#include "harness/bench/stream_triad.h"
#include "harness/report/system_probe.h"

static double cv_of(const beex_stats *s)
{
    return s->n > 1 && s->mean > 0.0 ? s->stddev / s->mean : 0.0;
}

/* The bound loop of every variant, best of short runs (preemption only lowers a run). */
static int bound_rows(beex_machine_ctx *c, json_t *rows, char *err, size_t errlen)
{
    for (int v = 0; v < c->nvariants; v++)
        for (int t = 0; t < c->nthreads; t++) {
            int isa = c->variants[v], th = c->threads[t];
            char name[96];
            snprintf(name, sizeof name, "limit bound %s t%d", beex_isa_name((beex_isa)isa), th);
            double slice = beex_machine_step(c->plan, name);
            if (beex_threads_setup(th, err, errlen) < 0)
                return -1;
            int reps = 7;
            double med = NAN, best = NAN;
            if (beex_bound_measure((beex_isa)isa, th, reps, slice / reps, &med, &best) != 0) {
                snprintf(err, errlen, "the bound loop of %s did not run", beex_isa_name(isa));
                return -1;
            }
            json_array_append_new(rows,
                                  json_pack("{s:s, s:i, s:f, s:f, s:f, s:s}", "variant",
                                            beex_isa_name((beex_isa)isa), "threads", th,
                                            "bmac_per_s", best, "bmac_per_s_median", med, "seconds",
                                            slice, "loop", beex_bound_describe((beex_isa)isa)));
        }
    return 0;
}

static json_t *fma_rows(beex_machine_ctx *c)
{
    json_t *rows = json_array();
    int isas[2] = {BEEX_ISA_SCALAR, beex_fma_peak_widest()};
    const char *steps[2] = {"limit fma scalar", "limit fma widest"};
    for (int k = 0; k < 2; k++) {
        double slice = beex_machine_step(c->plan, steps[k]);
        if (isas[k] < 0)
            continue;
        double best = 0.0;
        /* three runs, the best: a single one may lose its core for a while */
        for (int r = 0; r < 3; r++) {
            double f = 0.0;
            if (beex_fma_peak_measure((beex_isa)isas[k], slice / 3, &f) == 0 && f > best)
                best = f;
        }
        json_array_append_new(rows, json_pack("{s:s, s:i, s:f, s:s}", "variant",
                                              beex_isa_name((beex_isa)isas[k]), "threads", 1,
                                              "flop_per_s", best, "loop",
                                              beex_fma_peak_describe((beex_isa)isas[k])));
    }
    return rows;
}

static json_t *triad_rows(beex_machine_ctx *c, char *err, size_t errlen)
{
    size_t llc = beex_system_llc_bytes();
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t mem = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
    size_t bytes = beex_triad_array_bytes(llc, mem > 0 ? mem / 16 : ((size_t)1 << 30));
    /* The test knob shrinks the arrays too (the bundle records their size beside the LLC's):
     * filling gigabytes is most of a scaled-down run's time. */
    if (c->budget_scale < 1.0 && bytes * c->budget_scale > ((size_t)32 << 20))
        bytes = (size_t)(bytes * c->budget_scale);
    else if (c->budget_scale < 1.0)
        bytes = (size_t)32 << 20;
    json_t *rows = json_array();
    for (int t = 0; t < c->nthreads; t++) {
        double slice = beex_machine_step(c->plan, t == 0 ? "limit triad t1" : "limit triad team");
        beex_triad_result r;
        if (beex_threads_setup(c->threads[t], err, errlen) < 0 ||
            beex_triad_measure(bytes, c->threads[t], slice, &r, err, errlen) != 0) {
            json_decref(rows);
            return NULL;
        }
        json_array_append_new(
            rows, json_pack("{s:i, s:I, s:I, s:i, s:f, s:f, s:f}", "threads", c->threads[t],
                            "array_bytes", (json_int_t)r.array_bytes, "llc_bytes", (json_int_t)llc,
                            "reps", r.reps, "bytes_per_s", r.best_bytes_per_s, "bytes_per_s_median",
                            r.bytes_per_s.median, "cv", cv_of(&r.bytes_per_s)));
    }
    return rows;
}

/* Each allowed CPU alone, then one process per allowed core at once, on the best variant. */
static json_t *ceiling(beex_machine_ctx *c, char *err, size_t errlen)
{
    int isa = c->variants[0];
    int cpus[BEEX_MACHINE_MAX_CPUS], cores[BEEX_MACHINE_MAX_CPUS];
    int n = beex_system_allowed_cpus(0, cpus, BEEX_MACHINE_MAX_CPUS);
    int nc = beex_system_allowed_cpus(1, cores, BEEX_MACHINE_MAX_CPUS);
    if (n < 1 || nc < 1) {
        snprintf(err, errlen, "cannot list the CPUs this process may use");
        return NULL;
    }
    double slice = beex_machine_step(c->plan, "limit per-cpu");
    double rates[BEEX_MACHINE_MAX_CPUS];
    /* the team's pinning would keep this thread on one CPU: free it first */
    if (beex_threads_setup(1, err, errlen) < 0 ||
        beex_bound_per_cpu((beex_isa)isa, cpus, n, slice / n, rates, err, errlen) != 0)
        return NULL;
    json_t *o = json_object(), *per = json_array();
    json_object_set_new(o, "variant", json_string(beex_isa_name((beex_isa)isa)));
    double lo = INFINITY, hi = 0.0;
    for (int i = 0; i < n; i++) {
        json_array_append_new(per, json_pack("{s:i, s:f}", "cpu", cpus[i], "bmac_per_s", rates[i]));
        lo = fmin(lo, rates[i]), hi = fmax(hi, rates[i]);
    }
    json_object_set_new(o, "per_cpu", per);
    json_object_set_new(o, "per_cpu_spread", json_real(hi > 0.0 ? (hi - lo) / hi : 0.0));
    if (nc > 1 && c->ncores > 1) {
        int k = nc < c->ncores ? nc : c->ncores;
        slice = beex_machine_step(c->plan, "limit processes");
        if (beex_bound_processes((beex_isa)isa, cores, k, slice, rates, err, errlen) != 0) {
            json_decref(o);
            return NULL;
        }
        json_t *procs = json_array();
        double sum = 0.0;
        for (int i = 0; i < k; i++) {
            json_array_append_new(procs,
                                  json_pack("{s:i, s:f}", "cpu", cores[i], "bmac_per_s", rates[i]));
            sum += rates[i];
        }
        json_object_set_new(o, "processes", procs);
        json_object_set_new(o, "ceiling_threads", json_integer(k));
        json_object_set_new(o, "ceiling_bmac_per_s", json_real(sum));
    } else {
        json_object_set_new(o, "processes", json_array());
        json_object_set_new(o, "ceiling_threads", json_integer(1));
        json_object_set_new(o, "ceiling_bmac_per_s", json_real(rates[0]));
    }
    return o;
}

double beex_machine_limit_bmacs(const json_t *limits, const char *variant, int threads)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(limits, "bound"), i, r)
    {
        const char *v = json_string_value(json_object_get(r, "variant"));
        if (v != NULL && strcmp(v, variant) == 0 &&
            json_integer_value(json_object_get(r, "threads")) == threads)
            return json_number_value(json_object_get(r, "bmac_per_s"));
    }
    return NAN;
}

double beex_machine_limit_flops(const json_t *limits, int threads)
{
    /* the widest fp32 loop on one core, times the threads: an fp32 kernel's limit */
    double best = NAN;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(limits, "fma"), i, r)
    {
        double f = json_number_value(json_object_get(r, "flop_per_s"));
        if (!(best >= f))
            best = f;
    }
    return best * threads;
}

json_t *beex_machine_limits(beex_machine_ctx *c, char *err, size_t errlen)
{
    json_t *o = json_object(), *bound = json_array();
    json_object_set_new(o, "bound", bound);
    if (bound_rows(c, bound, err, errlen) != 0) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "fma", fma_rows(c));
    json_t *triad = triad_rows(c, err, errlen);
    json_t *ceil = triad != NULL ? ceiling(c, err, errlen) : NULL;
    if (triad == NULL || ceil == NULL) {
        json_decref(triad);
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "memory", triad);
    /* The team against the ceiling: the bound loop on N threads over N processes' sum. */
    int top = c->threads[c->nthreads - 1];
    double team = beex_machine_limit_bmacs(o, beex_isa_name((beex_isa)c->variants[0]), top);
    double one = beex_machine_limit_bmacs(o, beex_isa_name((beex_isa)c->variants[0]), 1);
    double sum = json_number_value(json_object_get(ceil, "ceiling_bmac_per_s"));
    json_object_set_new(ceil, "team",
                        json_pack("{s:i, s:o, s:o, s:o}", "threads", top, "bmac_per_s",
                                  beex_machine_num(team), "efficiency_vs_ceiling",
                                  beex_machine_num(team / sum), "efficiency_vs_threads",
                                  beex_machine_num(team / (one * top))));
    json_object_set_new(o, "multicore", ceil);
    return o;
}
