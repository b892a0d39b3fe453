/* Rows and context in Google Benchmark 1.7's layout (see gbench_json.h). */
#include "harness/report/gbench_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/base/atomic_file.h"
#include "harness/base/timing.h"
#include "harness/report/context.h"

typedef enum { STAT_MEAN, STAT_MEDIAN, STAT_STDDEV, STAT_CV, STAT_COUNT } gb_stat;
static const char *const stat_names[STAT_COUNT] = {"mean", "median", "stddev", "cv"};

static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* GB's statistics: sample standard deviation, the median of an even count as the mean of the
 * middle two, cv = stddev / mean (0 below two values). scratch holds n doubles. */
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

static json_t *counter_json(const beex_gb_counter *c, int reps, int rep, gb_stat which,
                            double *scratch)
{
    if (c->per_rep == NULL) {
        double v = c->value;
        if (rep < 0 && isfinite(v) && (which == STAT_STDDEV || which == STAT_CV))
            v = 0.0; /* a constant's spread */
        return number_or_null(v);
    }
    return number_or_null(rep >= 0 ? c->per_rep[rep] : statistic(c->per_rep, reps, which, scratch));
}

/* Counters, then the run's own fields; appends o (the array takes the reference). */
static int finish_row(json_t *array, json_t *o, const beex_gb_run *r, int rep, gb_stat which,
                      double *scratch)
{
    if (o == NULL)
        return -1;
    int bad = 0;
    for (int i = 0; i < r->ncounters; i++)
        bad |= json_object_set_new(o, r->counters[i].key,
                                   counter_json(&r->counters[i], r->reps, rep, which, scratch));
    if (r->fields != NULL)
        bad |= json_object_update(o, r->fields);
    if (bad) {
        json_decref(o);
        return -1;
    }
    return json_array_append_new(array, o) != 0 ? -1 : 0;
}

int beex_gb_append(json_t *benchmarks, const beex_gb_run *r)
{
    if (r->reps < 1 || r->seconds == NULL)
        return -1;
    double *buf = malloc(3 * (size_t)r->reps * sizeof *buf);
    if (buf == NULL)
        return -1;
    double *ns = buf, *scratch = buf + r->reps, *cpu_ns = buf + 2 * (size_t)r->reps;
    /* GB's real_time is per iteration; reals, since compare.py prints whole units */
    double per = r->iterations > 0 ? r->iterations : 1.0;
    for (int i = 0; i < r->reps; i++) {
        ns[i] = r->seconds[i] / per * 1e9;
        cpu_ns[i] = (r->cpu_seconds ? r->cpu_seconds[i] : r->seconds[i]) / per * 1e9;
    }
    int rc = 0;
    /* GB 1.7's key order, so that a beex file diffs against a GB one line for line. */
    for (int i = 0; i < r->reps && rc == 0; i++) {
        json_t *it = json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:s}",
                               "name", r->name, "family_index", r->family_index,
                               "per_family_instance_index", r->instance_index, "run_name", r->name,
                               "run_type", "iteration", "repetitions", r->reps, "repetition_index",
                               i, "threads", r->threads, "iterations", r->iterations, "real_time",
                               ns[i], "cpu_time", cpu_ns[i], "time_unit", "ns");
        rc = finish_row(benchmarks, it, r, i, STAT_MEAN, scratch);
    }
    for (int w = 0; r->reps >= 2 && w < STAT_COUNT && rc == 0; w++) {
        char agg[256];
        snprintf(agg, sizeof agg, "%s_%s", r->name, stat_names[w]);
        double t = statistic(ns, r->reps, (gb_stat)w, scratch);
        double tc = statistic(cpu_ns, r->reps, (gb_stat)w, scratch);
        json_t *a =
            json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:s, s:s, s:i, s:f, s:f, s:s}", "name",
                      agg, "family_index", r->family_index, "per_family_instance_index",
                      r->instance_index, "run_name", r->name, "run_type", "aggregate",
                      "repetitions", r->reps, "threads", r->threads, "aggregate_name",
                      stat_names[w], "aggregate_unit", w == STAT_CV ? "percentage" : "time",
                      "iterations", r->reps, "real_time", t, "cpu_time", tc, "time_unit", "ns");
        rc = finish_row(benchmarks, a, r, -1, (gb_stat)w, scratch);
    }
    free(buf);
    return rc;
}

/* Reads the first word of a small /sys file into buf; 0 on success. */
static int read_word(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, " \t\n")] = '\0';
    return 0;
}

static int read_cache_field(int idx, const char *field, char *buf, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/%s", idx, field);
    return read_word(path, buf, len);
}

/* The caches as GB 1.7 lists them: cpu0's /sys cache entries, size in bytes ("32K"), and
 * num_sharing = the CPUs in shared_cpu_map. Empty where /sys has none (not Linux). */
static json_t *gbench_caches(void)
{
    json_t *caches = json_array();
    for (int idx = 0; caches != NULL; idx++) {
        char type[64], level[16], size[32], map[1024];
        if (read_cache_field(idx, "type", type, sizeof type) != 0 ||
            read_cache_field(idx, "level", level, sizeof level) != 0 ||
            read_cache_field(idx, "size", size, sizeof size) != 0 ||
            read_cache_field(idx, "shared_cpu_map", map, sizeof map) != 0)
            break;
        char *suffix = NULL;
        long long bytes = strtoll(size, &suffix, 10);
        bytes *= *suffix == 'K' ? 1024 : *suffix == 'M' ? 1024 * 1024 : 1;
        int sharing = 0;
        for (const char *c = map; *c != '\0'; c++)
            if (*c != ',') {
                int digit = *c <= '9' ? *c - '0' : (*c | 0x20) - 'a' + 10;
                sharing += __builtin_popcount((unsigned)digit & 15u);
            }
        json_t *e = json_pack("{s:s, s:i, s:I, s:i}", "type", type, "level", atoi(level), "size",
                              (json_int_t)bytes, "num_sharing", sharing);
        if (e == NULL || json_array_append_new(caches, e) != 0) {
            json_decref(caches);
            return NULL;
        }
    }
    return caches;
}

/* GB's rule: frequency scaling is on when some CPU's governor is not "performance"; off
 * when no cpufreq files exist (as in these VMs). */
static int cpu_scaling_enabled(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_CONF);
    for (long cpu = 0; cpu < ncpu; cpu++) {
        char path[96], gov[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/cpufreq/scaling_governor", cpu);
        if (read_word(path, gov, sizeof gov) == 0 && strcmp(gov, "performance") != 0)
            return 1;
    }
    return 0;
}

/* The context fields Google Benchmark writes and beex_context_json lacks. */
static int add_gbench_context(json_t *ctx)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1); /* GB writes argv[0] */
    if (n > 0)
        exe[n] = '\0';
    else
        snprintf(exe, sizeof exe, "beex");
    double load[3];
    int nload = getloadavg(load, 3);
    json_t *loads = json_array();
    for (int i = 0; loads != NULL && i < nload; i++)
        json_array_append_new(loads, json_real(load[i]));
    int bad = loads == NULL;
    bad |= json_object_set_new(ctx, "executable", json_string(exe));
    bad |= json_object_set_new(ctx, "cpu_scaling_enabled", json_boolean(cpu_scaling_enabled()));
    bad |= json_object_set_new(ctx, "caches", gbench_caches());
    bad |= json_object_set_new(ctx, "load_avg", loads);
    return bad ? -1 : 0;
}

json_t *beex_gb_document(json_t *benchmarks)
{
    json_t *doc = json_object();
    json_t *ctx = beex_context_json();
    /* The document owns ctx first, so that a failure below frees it with the document. */
    if (doc == NULL || ctx == NULL || json_object_set_new(doc, "context", ctx) != 0 ||
        add_gbench_context(ctx) != 0 || json_object_set(doc, "benchmarks", benchmarks) != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int beex_gb_write(json_t *benchmarks, const char *path, char *err, size_t errlen)
{
    json_t *doc = beex_gb_document(benchmarks);
    if (doc == NULL) {
        snprintf(err, errlen, "%s: cannot build the JSON document (out of memory)", path);
        return -1;
    }
    int rc = beex_json_write_atomic(doc, path, err, errlen);
    json_decref(doc);
    return rc;
}
