#include "harness/report/merge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/base/atomic_file.h"
#include "harness/base/timing.h"
#include "harness/eval/sweep_table.h"
#include "harness/eval/trace_io.h"
#include "harness/report/bench_rows.h"
#include "harness/report/context.h"
#include "harness/report/run_dir.h"
#include "harness/report/sweep_report.h"
#include "harness/report/sweep_summary.h"

static const char *str_at(const json_t *doc, const char *a, const char *b, const char *c)
{
    const json_t *j = json_object_get(doc, a);
    if (b != NULL)
        j = json_object_get(j, b);
    if (c != NULL)
        j = json_object_get(j, c);
    const char *s = json_string_value(j);
    return s != NULL ? s : "?";
}

/* 1 when the folder out is dir or one of its parents. Compared by device and inode, going up
 * with "..", so that symbolic links on either side cannot hide it. */
static int is_or_holds(const struct stat *out, const char *dir, const struct stat *root)
{
    char p[8192];
    struct stat st;
    snprintf(p, sizeof p, "%s", dir);
    for (int up = 0; up < 256 && stat(p, &st) == 0; up++) {
        if (st.st_dev == out->st_dev && st.st_ino == out->st_ino)
            return 1;
        if ((st.st_dev == root->st_dev && st.st_ino == root->st_ino) || strlen(p) + 4 >= sizeof p)
            return 0;
        strcat(p, "/..");
    }
    return 0;
}

int beex_merge_out_holds_input(const char *out, const beex_merge_input *in, int n)
{
    struct stat so, root;
    if (stat(out, &so) != 0 || !S_ISDIR(so.st_mode) || stat("/", &root) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (is_or_holds(&so, in[i].dir, &root))
            return i;
    return -1;
}

/* Every shard's dev and test traces into dev[i], test[i] (i its shard number) and its
 * context into contexts, each shard checked to be of the same model, task and precision,
 * once. */
static int read_shard_traces(const beex_merge_input *in, int n, beex_trace *dev, beex_trace *test,
                             json_t *contexts, char *err, size_t errlen)
{
    const json_t *d0 = in[0].doc;
    const char *fp0 = str_at(d0, "inputs", "model", "fingerprint");
    int *seen = calloc((size_t)n, sizeof *seen), rc = -1;
    if (seen == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int k = 0; k < n; k++) {
        const json_t *d = in[k].doc;
        int i = (int)json_integer_value(json_object_get(json_object_get(d, "shard"), "i"));
        if (strcmp(str_at(d, "inputs", "model", "fingerprint"), fp0) != 0 ||
            strcmp(str_at(d, "task", NULL, NULL), str_at(d0, "task", NULL, NULL)) != 0) {
            snprintf(err, errlen, "%s: another model or task than %s", in[k].path, in[0].path);
            goto done;
        }
        /* The same model at another precision gives other logits: its traces do not join. */
        const char *pk = str_at(d, "settings", "effective", "precision");
        const char *p0 = str_at(d0, "settings", "effective", "precision");
        if (strcmp(pk, p0) != 0) {
            snprintf(err, errlen, "%s: a shard at precision %s, %s is at %s", in[k].path, pk,
                     in[0].path, p0);
            goto done;
        }
        if (i < 0 || i >= n || seen[i]++) {
            snprintf(err, errlen, "%s: shard %d duplicated or out of range", in[k].path, i);
            goto done;
        }
        char p[4200];
        snprintf(p, sizeof p, "%s/trace_dev.shard-%d-of-%d.csv", in[k].dir, i, n);
        if (beex_trace_read_csv(p, &dev[i], err, errlen) != 0)
            goto done;
        snprintf(p, sizeof p, "%s/trace_test.shard-%d-of-%d.csv", in[k].dir, i, n);
        if (beex_trace_read_csv(p, &test[i], err, errlen) != 0)
            goto done;
        json_array_append(contexts, json_object_get(d, "context"));
    }
    rc = 0;
done:
    free(seen);
    return rc;
}

/* What the replay of the merged traces needs from the first shard's sweep.json. */
typedef struct {
    beex_config cfg;
    int prec, metric, positive, quick;
    json_int_t resamples, seed;
} shard_settings;

/* The shards recorded the positive class by name and the bootstrap settings: the merged
 * replay must equal one unsharded sweep's, byte for byte. */
static int shard_settings_read(const json_t *d0, const char *path, shard_settings *ss, char *err,
                               size_t errlen)
{
    if (beex_config_from_json(json_object_get(d0, "model_config"), &ss->cfg, err, errlen) != 0)
        return -1;
    const json_t *eff = json_object_get(json_object_get(d0, "settings"), "effective");
    ss->prec = beex_precision_parse(str_at(eff, "precision", NULL, NULL));
    ss->metric = beex_metric_parse(str_at(eff, "metric", NULL, NULL));
    if (ss->prec < 0 || ss->metric < 0) {
        snprintf(err, errlen, "%s: settings.effective lacks precision or metric", path);
        return -1;
    }
    ss->positive = -1;
    const json_t *labels = json_object_get(d0, "labels");
    const char *pos_name = json_string_value(json_object_get(eff, "positive_class"));
    for (int c = 0; c < ss->cfg.classes && pos_name != NULL; c++) {
        const char *name = json_string_value(json_array_get(labels, (size_t)c));
        if (name != NULL && strcmp(name, pos_name) == 0)
            ss->positive = c;
    }
    const json_t *boot = json_object_get(eff, "bootstrap");
    ss->resamples = json_integer_value(json_object_get(boot, "resamples"));
    ss->seed = json_integer_value(json_object_get(boot, "seed"));
    if ((ss->cfg.classes == 2 && pos_name != NULL && ss->positive < 0) ||
        ss->resamples < BEEX_BOOTSTRAP_MIN_RESAMPLES || ss->resamples > 1000000 || ss->seed < 0) {
        snprintf(err, errlen,
                 "%s: settings.effective lacks a known positive_class or bootstrap settings", path);
        return -1;
    }
    ss->quick = json_is_true(
        json_object_get(json_object_get(json_object_get(d0, "settings"), "requested"), "quick"));
    return 0;
}

/* The first shard's sweep.json as the merged sweep's: no shard, a run id of its own (it
 * replays), the shards' contexts kept. */
static json_t *merged_doc(const json_t *d0, json_t *contexts)
{
    json_t *doc = json_deep_copy(d0);
    json_object_set_new(doc, "kind", json_string("beex-sweep"));
    json_object_del(doc, "shard");
    json_t *context = beex_context_json();
    char run_id[64];
    beex_run_id(run_id, sizeof run_id);
    json_object_set_new(context, "run_id", json_string(run_id));
    json_object_set_new(doc, "context", context);
    json_object_set_new(doc, "shard_contexts", json_incref(contexts));
    return doc;
}

/* Full depth and the chosen points, each once: the histograms hist.csv shows. */
static int shown_points(const beex_sweep_table *t, int idx[4])
{
    int nidx = 0;
    const int shown[4] = {t->full, t->selected, t->selected_sig, t->selected_delta};
    for (int k = 0; k < 4; k++) {
        int dup = shown[k] < 0;
        for (int j = 0; j < nidx && !dup; j++)
            dup = idx[j] == shown[k];
        if (!dup)
            idx[nidx++] = shown[k];
    }
    return nidx;
}

int beex_merge_shards(const beex_merge_input *in, int n, const char *out_dir, char *err,
                      size_t errlen)
{
    const json_t *d0 = in[0].doc;
    json_int_t total = json_integer_value(json_object_get(json_object_get(d0, "shard"), "n"));
    if (total != n) {
        snprintf(err, errlen, "the sweep has %" JSON_INTEGER_FORMAT " shards, %d given", total, n);
        return -1;
    }
    beex_trace *dev = calloc((size_t)n, sizeof *dev), *test = calloc((size_t)n, sizeof *test);
    json_t *contexts = json_array();
    int rc = -1;
    beex_trace mdev, mtest;
    memset(&mdev, 0, sizeof mdev);
    memset(&mtest, 0, sizeof mtest);
    beex_sweep_table table;
    memset(&table, 0, sizeof table);
    shard_settings ss;
    if (dev == NULL || test == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (read_shard_traces(in, n, dev, test, contexts, err, errlen) != 0 ||
        beex_trace_concat(dev, n, &mdev, err, errlen) != 0 ||
        beex_trace_concat(test, n, &mtest, err, errlen) != 0 ||
        shard_settings_read(d0, in[0].path, &ss, err, errlen) != 0)
        goto done;
    beex_replay_setup rs = {&ss.cfg, (beex_precision)ss.prec, (beex_metric)ss.metric, ss.positive};
    beex_sweep_table_options to = {ss.quick, (int)ss.resamples, (uint64_t)ss.seed};
    if (beex_sweep_replay_all(&mdev, &mtest, &rs, &to, &table, err, errlen) != 0)
        goto done;
    char p[4200];
    snprintf(p, sizeof p, "%s/trace_dev.csv", out_dir);
    if (beex_trace_write_csv(&mdev, p, err, errlen) != 0)
        goto done;
    snprintf(p, sizeof p, "%s/trace_test.csv", out_dir);
    if (beex_trace_write_csv(&mtest, p, err, errlen) != 0)
        goto done;
    json_t *doc = merged_doc(d0, contexts);
    int idx[4], nidx = shown_points(&table, idx);
    rc = beex_sweep_write_outputs(out_dir, doc, &table, ss.cfg.blocks, NULL, 0, idx, nidx, err,
                                  errlen);
    json_decref(doc);
    if (rc == 0) {
        beex_summary_info info = {beex_metric_name((beex_metric)ss.metric), mtest.n,
                                  (int)ss.resamples, (unsigned long long)ss.seed};
        beex_print_sweep_summary(stdout, &table, &info, NULL, 0);
        /* out_dir is the staging folder; the caller names the final one once it is there. */
        printf("merged %d shards (%d dev + %d test examples)\n", n, mdev.n, mtest.n);
    }
done:
    for (int k = 0; dev != NULL && test != NULL && k < n; k++) {
        beex_trace_free(&dev[k]);
        beex_trace_free(&test[k]);
    }
    free(dev);
    free(test);
    json_decref(contexts);
    beex_trace_free(&mdev);
    beex_trace_free(&mtest);
    beex_sweep_table_free(&table);
    return rc;
}

/* A timed point's OPs and test interval: from the replay entry of the same rule (NaN when
 * there is none). */
static void replay_figures(const json_t *d, const char *policy, double param, double *ops,
                           double *lo, double *hi)
{
    *ops = NAN, *lo = NAN, *hi = NAN;
    size_t q;
    json_t *pt;
    json_array_foreach(json_object_get(json_object_get(d, "replay"), "points"), q, pt)
    {
        const json_t *tp = json_object_get(pt, "test");
        if (strcmp(str_at(tp, "policy", NULL, NULL), policy) == 0 &&
            json_number_value(json_object_get(tp, "param")) == param) {
            *ops = json_number_value(json_object_get(tp, "ops"));
            const json_t *ci = json_object_get(pt, "test_ci95");
            *lo = json_number_value(json_array_get(ci, 0));
            *hi = json_number_value(json_array_get(ci, 1));
        }
    }
}

/* One machine's timed points: a machines.csv row each, and a printed row for the selected
 * point. */
static void machine_rows(FILE *csv, const json_t *d, const char *arch)
{
    const json_t *sel =
        json_object_get(json_object_get(json_object_get(d, "replay"), "selected"), "test");
    const char *sel_policy = str_at(sel, "policy", NULL, NULL);
    double sel_param = json_number_value(json_object_get(sel, "param"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "timed"), i, t)
    {
        const json_t *s = json_object_get(t, "seconds_per_example");
        const char *policy = str_at(t, "policy", NULL, NULL);
        double param = json_number_value(json_object_get(t, "param"));
        double med = json_number_value(json_object_get(s, "median")) * 1e6;
        int selected = strcmp(policy, sel_policy) == 0 && param == sel_param;
        char rule[64];
        snprintf(rule, sizeof rule, "%s %g", policy, param);
        double ops, lo, hi;
        replay_figures(d, policy, param, &ops, &lo, &hi);
        const char *run_id =
            json_string_value(json_object_get(json_object_get(d, "context"), "run_id"));
        fprintf(csv,
                "%s,%s,%s,\"%s\",%s,%s,%s,%lld,%lld,%s,%d,%.4f,%.4f,%.4f,%.6f,%.6g,%.6f,%.6f\n",
                run_id != NULL && strpbrk(run_id, ",\"\r\n") == NULL ? run_id : "", arch,
                str_at(d, "context", "host_name", NULL), str_at(d, "context", "cpu_model", NULL),
                str_at(d, "task", NULL, NULL), str_at(d, "settings", "effective", "precision"),
                str_at(t, "variant", NULL, NULL), json_integer_value(json_object_get(t, "threads")),
                json_integer_value(json_object_get(t, "batch")), rule, selected, med,
                json_number_value(json_object_get(s, "min")) * 1e6,
                json_number_value(json_object_get(s, "max")) * 1e6,
                json_number_value(json_object_get(t, "metric")), ops, lo, hi);
        if (selected)
            printf("%-16.16s %-28.28s %-8s %5lld %5lld %-14s %12.2f %10.4f %12.4g\n",
                   str_at(d, "context", "host_name", NULL), str_at(d, "context", "cpu_model", NULL),
                   str_at(t, "variant", NULL, NULL),
                   json_integer_value(json_object_get(t, "threads")),
                   json_integer_value(json_object_get(t, "batch")), rule, med,
                   json_number_value(json_object_get(t, "metric")), ops);
    }
}

int beex_merge_machines(const beex_merge_input *in, int n, const char *out_dir, char *err,
                        size_t errlen)
{
    /* A machines table compares one model on one task across machines: anything else would
     * set timings of different work side by side (issue 11 item 7). */
    const char *what[3][3] = {{"inputs", "model", "fingerprint"},
                              {"task", NULL, NULL},
                              {"settings", "effective", "precision"}};
    const char *names[3] = {"model", "task", "precision"};
    for (int k = 1; k < n; k++)
        for (int w = 0; w < 3; w++) {
            const char *a = str_at(in[0].doc, what[w][0], what[w][1], what[w][2]);
            const char *b = str_at(in[k].doc, what[w][0], what[w][1], what[w][2]);
            if (strcmp(a, b) != 0) {
                snprintf(err, errlen,
                         "%s and %s are sweeps of a different %s (%s vs %s): a machines table "
                         "compares one model on one task",
                         in[0].path, in[k].path, names[w], a, b);
                return -1;
            }
        }
    char p[4200];
    snprintf(p, sizeof p, "%s/machines.csv", out_dir);
    beex_atomic_file af;
    if (beex_atomic_open(&af, p, err, errlen) != 0)
        return -1;
    /* run_id: the sweep a row comes from (its context.run_id; empty for sweeps older than
     * run ids). Units in the names as in the sweep's own CSVs. */
    fprintf(af.f, "run_id,arch,host,cpu,task,precision,variant,threads,batch,rule,selected,"
                  "median_us_per_example,min_us_per_example,max_us_per_example,metric,"
                  "ops_per_example,metric_lo,metric_hi\n");
    /* One table per architecture, machines in the order given. */
    const char *arches[16];
    int narch = 0;
    for (int k = 0; k < n; k++) {
        const char *a = str_at(in[k].doc, "context", "machine", NULL);
        int found = 0;
        for (int j = 0; j < narch; j++)
            found |= strcmp(arches[j], a) == 0;
        if (!found && narch < 16)
            arches[narch++] = a;
    }
    for (int j = 0; j < narch; j++) {
        printf("\n== architecture %s ==\n", arches[j]);
        printf("%-16s %-28s %-8s %5s %5s %-14s %12s %10s %12s\n", "host", "cpu", "variant", "thr",
               "batch", "rule", "us/example", "metric", "OPs");
        for (int k = 0; k < n; k++)
            if (strcmp(str_at(in[k].doc, "context", "machine", NULL), arches[j]) == 0)
                machine_rows(af.f, in[k].doc, arches[j]);
    }
    printf("(rows at each machine's selected point; all timed points in machines.csv)\n");
    return beex_atomic_commit(&af, err, errlen);
}

static double counter(const json_t *b, const char *key)
{
    const json_t *v = json_object_get(b, key);
    if (v == NULL)
        v = json_object_get(json_object_get(b, "counters"), key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* 1 when the file also holds a median aggregate for this repetition's benchmark. */
static int has_median(const json_t *bm, const json_t *rep)
{
    const char *name = json_string_value(json_object_get(rep, "run_name"));
    if (name == NULL)
        return 0;
    size_t i;
    json_t *b;
    json_array_foreach(bm, i, b)
    {
        const char *agg = json_string_value(json_object_get(b, "aggregate_name"));
        const char *rn = json_string_value(json_object_get(b, "run_name"));
        if (agg != NULL && rn != NULL && strcmp(agg, "median") == 0 && strcmp(rn, name) == 0)
            return 1;
    }
    return 0;
}

long beex_merge_kernels(const beex_merge_input *in, int n, const char *out_dir, char *err,
                        size_t errlen)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/kernels.csv", out_dir);
    beex_atomic_file af;
    if (beex_atomic_open(&af, p, err, errlen) != 0)
        return -1;
    fprintf(af.f, "host,arch,op,variant,M,N,K,threads,bound_ratio,vs_scalar,vs_libxsmm_fp32,"
                  "real_time_ms\n");
    long rows = 0;
    for (int k = 0; k < n; k++) {
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(in[k].doc, "benchmarks"), i, b)
        {
            /* One row per benchmark: its median aggregate (or the entry itself in files
             * without aggregates); the repetitions are not rows of this table. */
            const char *type = json_string_value(json_object_get(b, "run_type"));
            int is_agg = type != NULL && strcmp(type, "aggregate") == 0;
            if (is_agg ? strcmp(str_at(b, "aggregate_name", NULL, NULL), "median") != 0
                       : has_median(json_object_get(in[k].doc, "benchmarks"), b))
                continue;
            const char *name = json_string_value(json_object_get(b, "run_name"));
            if (name == NULL)
                name = json_string_value(json_object_get(b, "name"));
            char op[64], variant[32];
            int M, N, K, T;
            if (name == NULL ||
                sscanf(name, "%63[^/]/%31[^/]/%d/%d/%d/%d", op, variant, &M, &N, &K, &T) != 6)
                continue;
            fprintf(af.f, "%s,%s,%s,%s,%d,%d,%d,%d,%g,%g,%g,%g\n",
                    str_at(in[k].doc, "context", "host_name", NULL),
                    str_at(in[k].doc, "context", "machine", NULL), op, variant, M, N, K, T,
                    counter(b, "bound_ratio"), counter(b, "vs_scalar"),
                    counter(b, "vs_libxsmm_fp32"),
                    counter(b, "real_time") *
                        beex_time_unit_seconds(json_string_value(json_object_get(b, "time_unit"))) *
                        1e3);
            rows++;
        }
    }
    if (beex_atomic_commit(&af, err, errlen) != 0)
        return -1;
    return rows;
}
