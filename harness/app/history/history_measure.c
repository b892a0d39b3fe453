/* Measuring one beex binary for the history (history_measure.h): each counted benchmark is one
 * run of the binary under callgrind, the timed ones are the binary's own `bench model` and
 * `bench gemm`. The binary may be an older commit's, so everything it is asked is plain
 * command-line use, and whatever it refuses is recorded as absent with its own words. */
#include "harness/app/history/history_measure.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/app/history/history_benches.h"
#include "harness/app/history/history_callgrind.h"
#include "harness/app/history/history_spawn.h"
#include "harness/app/history/history_timed.h"

/* An argument vector built from fixed words and values; the fixed words are constants of
 * this file, split on spaces here (no shell, and no user input among them). */
typedef struct {
    const char *v[64];
    int n;
    char store[1024];
    size_t used;
} argvec;

static void av_add(argvec *a, const char *s)
{
    if (a->n < 63)
        a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void av_words(argvec *a, const char *words)
{
    size_t len = strlen(words);
    if (a->used + len + 1 > sizeof a->store)
        return;
    char *w = memcpy(a->store + a->used, words, len + 1);
    a->used += len + 1;
    for (char *save, *t = strtok_r(w, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
        av_add(a, t);
}

typedef struct {
    const beex_history_measure_opts *o;
    json_t *counts, *absent; /* borrowed from the record */
} ctx;

/* The measured binary as its runs see it: a link in the scratch folder, run from there with
 * file names relative to it. Every run then gets the same arguments, whatever the binary's and
 * the scratch folder's paths (measure.h's callers use different ones), and with them the same
 * stack; a fixed environment does the same for the counted runs. */
#define BINARY_LINK "./beex"

/* Runs argv in the scratch folder: standard input from in (a name there, or NULL), output and
 * errors to TAG.out and TAG.err there. variant non-NULL: a counted run, on that variant, in
 * the fixed environment. Returns as beex_spawn_tool. */
static int run_in_scratch(ctx *c, const char *const *argv, const char *variant, const char *in,
                          const char *tag, char *why, size_t wlen, char *err, size_t errlen)
{
    const char *scratch = c->o->scratch;
    char inp[PATH_MAX], out[PATH_MAX], log[PATH_MAX], isa[64], vlib[PATH_MAX];
    snprintf(inp, sizeof inp, "%s/%s", scratch, in != NULL ? in : "");
    snprintf(out, sizeof out, "%s/%s.out", scratch, tag);
    snprintf(log, sizeof log, "%s/%s.err", scratch, tag);
    snprintf(isa, sizeof isa, "BEEX_ISA=%s", variant != NULL ? variant : "");
    const char *lib = getenv("VALGRIND_LIB");
    snprintf(vlib, sizeof vlib, "VALGRIND_LIB=%s", lib != NULL ? lib : "");
    /* One thread; glibc's allocator without its per-thread cache and fast bins, so that a
     * freed block is merged at once and the heap a benchmark starts from does not depend on
     * the order in which earlier work freed its blocks: jansson, which reads the model's
     * header, seeds its hash tables at random, and frees in an order that differs from run to
     * run; with glibc's defaults the same binary's forward pass then counts a few hundred
     * instructions more or less (allocator work, and copies of other alignments). */
    const char *env[] = {"PATH=/usr/bin:/bin",
                         "LC_ALL=C",
                         isa,
                         "OMP_NUM_THREADS=1",
                         "OMP_WAIT_POLICY=passive",
                         "GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0",
                         lib != NULL ? vlib : NULL,
                         NULL};
    beex_spawn_opts so = {argv,
                          variant != NULL ? env : NULL,
                          variant != NULL,
                          scratch,
                          in != NULL ? inp : NULL,
                          out,
                          log,
                          0,
                          0,
                          0};
    return beex_spawn_tool(&so, why, wlen, err, errlen);
}

static void unlink_in(ctx *c, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", c->o->scratch, name);
    unlink(path);
}

static int set_absent(ctx *c, const char *bench, const char *why)
{
    if (c->o->verbose)
        fprintf(stderr, "history: %s absent: %s\n", bench, why);
    return json_object_set_new(c->absent, bench, json_string(why[0] ? why : "failed"));
}

static int set_counts(ctx *c, const char *bench, const beex_cg_cost *k)
{
    if (c->o->verbose)
        fprintf(stderr, "history: %s: %llu instructions\n", bench, k->instructions);
    json_t *v =
        json_pack("{s:I, s:I, s:I}", "instructions", (json_int_t)k->instructions, "d1_misses",
                  (json_int_t)k->d1_misses, "ll_misses", (json_int_t)k->ll_misses);
    return v == NULL ? -1 : json_object_set_new(c->counts, bench, v);
}

/* ---- counted benchmarks ------------------------------------------------------------------- */

/* The perf gate's model in precision P at model.P.safetensors; w8a8 is then calibrated on the
 * fixed training file (beex run refuses a w8a8 model without activation scales). Returns as
 * beex_spawn_tool. */
static int make_model(ctx *c, const char *prec, char *model, size_t mlen, char *why, size_t wlen,
                      char *err, size_t errlen)
{
    char raw[128], tag[64];
    snprintf(raw, sizeof raw, "model.%s.raw.safetensors", prec);
    snprintf(model, mlen, "model.%s.safetensors", prec);
    snprintf(tag, sizeof tag, "model.%s", prec);
    int is_w8a8 = strcmp(prec, "w8a8") == 0;
    unlink_in(c, raw);
    unlink_in(c, model);
    argvec init = {.n = 0};
    av_words(&init, BINARY_LINK " init --out");
    av_add(&init, is_w8a8 ? raw : model);
    av_words(&init, "--seed 20260101 --vocab 512 --d 64 --heads 2 --dff 128 --blocks 4 "
                    "--max-len 48 --classes 2 --precision");
    av_add(&init, prec);
    int rc = run_in_scratch(c, init.v, NULL, NULL, tag, why, wlen, err, errlen);
    if (rc != 0 || !is_w8a8)
        return rc;
    argvec quant = {.n = 0};
    av_words(&quant, BINARY_LINK " quantize --model");
    av_add(&quant, raw);
    av_words(&quant, "--data task/train.tsv --out");
    av_add(&quant, model);
    av_words(&quant, "--threads 1");
    return run_in_scratch(c, quant.v, NULL, NULL, tag, why, wlen, err, errlen);
}

/* FAMILY's cost, inside REGION's calls when REGION is not NULL. Returns 0 or -1 (no memory). */
static int net_cost(const beex_cg_profile *p, const char *const *family, const char *const *region,
                    beex_cg_cost *out)
{
    const char *const *const in_region[] = {region, NULL};
    return beex_cg_family_cost(p, family, region != NULL ? in_region : NULL, out);
}

/* The names of P/V a failed run makes absent: the forward bench when selected, else the
 * kernel benches selected (a family not named exactly would only be guessed at). */
static int absent_run(ctx *c, const char *prec, const char *v, const char *why)
{
    char name[128];
    snprintf(name, sizeof name, "forward/%s/%s", prec, v);
    if (beex_hb_selected(c->o->only, name))
        return set_absent(c, name, why);
    int rc = 0;
    for (size_t f = 0; f < beex_hb_nfamilies; f++) {
        snprintf(name, sizeof name, "kernel/%s/%s/%s", beex_hb_families[f].name, prec, v);
        if (beex_hb_selected(c->o->only, name))
            rc |= set_absent(c, name, why);
    }
    return rc;
}

/* Records what the callgrind file of forward/P/V says: the total, and each kernel family's
 * share that is not zero. */
static int record_forward(ctx *c, const char *prec, const char *v, const char *cgfile, char *err,
                          size_t errlen)
{
    beex_cg_profile prof;
    char name[128], why[512];
    if (beex_cg_read(cgfile, &prof, why, sizeof why) != 0)
        return absent_run(c, prec, v, why) ? -1 : 0;
    int rc = 0;
    snprintf(name, sizeof name, "forward/%s/%s", prec, v);
    beex_cg_cost fwd;
    if (net_cost(&prof, beex_hb_forward_entry, NULL, &fwd) != 0) {
        snprintf(err, errlen, "out of memory reading %s", cgfile);
        beex_cg_free(&prof);
        return -1;
    }
    if (beex_hb_selected(c->o->only, name)) {
        if (fwd.instructions == 0)
            rc |= set_absent(c, name,
                             "nothing counted inside beex_engine_trace / beex_engine_run_batch* "
                             "(this binary has none of them, or is stripped)");
        else
            rc |= set_counts(c, name, &fwd);
    }
    for (size_t f = 0; f < beex_hb_nfamilies && rc == 0; f++) {
        snprintf(name, sizeof name, "kernel/%s/%s/%s", beex_hb_families[f].name, prec, v);
        if (!beex_hb_selected(c->o->only, name))
            continue;
        beex_cg_cost k;
        if (net_cost(&prof, beex_hb_families[f].patterns, beex_hb_forward_entry, &k) != 0) {
            snprintf(err, errlen, "out of memory reading %s", cgfile);
            beex_cg_free(&prof);
            return -1;
        }
        if (k.instructions > 0) /* a family this precision never enters is not recorded */
            rc |= set_counts(c, name, &k);
    }
    beex_cg_free(&prof);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc ? -1 : 0;
}

static int wants_forward(const char *only, const char *prec, const char *v)
{
    char name[128];
    snprintf(name, sizeof name, "forward/%s/%s", prec, v);
    if (beex_hb_selected(only, name))
        return 1;
    for (size_t f = 0; f < beex_hb_nfamilies; f++) {
        snprintf(name, sizeof name, "kernel/%s/%s/%s", beex_hb_families[f].name, prec, v);
        if (beex_hb_selected(only, name))
            return 1;
    }
    return 0;
}

static int count_forward(ctx *c, const char *prec, const char *model, const char *v, char *err,
                         size_t errlen)
{
    char cg[128], tag[64], why[512];
    snprintf(tag, sizeof tag, "forward.%s.%s", prec, v);
    snprintf(cg, sizeof cg, "--callgrind-out-file=cg.%s", tag);
    unlink_in(c, cg + strlen("--callgrind-out-file="));
    /* Everything is collected, with each function split by its call path: the forward pass
     * is the cost inside the engine's entry points, and each kernel family's is its cost
     * inside them (not in the model's set-up, which packs and quantizes weights too).
     * Collecting only inside toggled functions (--toggle-collect, as scripts/perf_gate.sh
     * does) depends on which of the nested entry points the commit's `beex run` calls and on
     * tail calls; the entry family does not. */
    argvec a = {.n = 0};
    av_words(&a, "valgrind --tool=callgrind --cache-sim=yes " BEEX_HB_CONTEXT_DEPTH);
    av_add(&a, cg);
    av_words(&a, BINARY_LINK " run");
    av_add(&a, model);
    av_words(&a, "--ids --variant");
    av_add(&a, v);
    av_words(&a, "--threads 1 --batch 4 --delta 0.1");
    int rc = run_in_scratch(c, a.v, v, "ids.txt", tag, why, sizeof why, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return absent_run(c, prec, v, why) ? -1 : 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cg.%s", c->o->scratch, tag);
    return record_forward(c, prec, v, path, err, errlen);
}

static int count_train(ctx *c, const char *prec, const char *v, char *err, size_t errlen)
{
    char name[128], tag[64], cg[128], model[128], extra[160], why[512];
    snprintf(name, sizeof name, "train/%s/%s", prec, v);
    snprintf(tag, sizeof tag, "train.%s.%s", prec, v);
    snprintf(cg, sizeof cg, "--callgrind-out-file=cg.%s", tag);
    snprintf(model, sizeof model, "%s.safetensors", tag);
    /* Training writes MODEL, MODEL.last.safetensors and MODEL.state; none may be left from an
     * earlier measurement in the same scratch folder. */
    unlink_in(c, cg + strlen("--callgrind-out-file="));
    unlink_in(c, model);
    snprintf(extra, sizeof extra, "%s.last.safetensors", model);
    unlink_in(c, extra);
    snprintf(extra, sizeof extra, "%s.state", model);
    unlink_in(c, extra);
    /* The tests' smallest model; 8 examples at batch 4 in one epoch are 2 optimiser steps.
     * Counted: the cost inside the trainer's step (beex_tstep_run*, which `beex train` and
     * `beex bench train` share; its OpenMP body runs on the calling thread with one thread,
     * so it lies inside), not the data reading, evaluation and checkpoints around it. */
    argvec a = {.n = 0};
    av_words(&a, "valgrind --tool=callgrind --cache-sim=yes " BEEX_HB_CONTEXT_DEPTH);
    av_add(&a, cg);
    av_words(&a, BINARY_LINK " train task --out");
    av_add(&a, model);
    av_add(&a, "--precision");
    av_add(&a, prec);
    av_words(&a, "--epochs 1 --batch 4 --d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 "
                 "--vocab 80 --seed 1 --threads 1 --quiet");
    int rc = run_in_scratch(c, a.v, v, NULL, tag, why, sizeof why, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return set_absent(c, name, why) ? -1 : 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cg.%s", c->o->scratch, tag);
    beex_cg_profile prof;
    if (beex_cg_read(path, &prof, why, sizeof why) != 0)
        return set_absent(c, name, why) ? -1 : 0;
    beex_cg_cost k;
    if (net_cost(&prof, beex_hb_train_entry, NULL, &k) != 0) {
        snprintf(err, errlen, "out of memory reading %s", path);
        beex_cg_free(&prof);
        return -1;
    }
    if (k.instructions == 0)
        rc = set_absent(c, name,
                        "nothing counted inside beex_tstep_run* (a trainer without it, or "
                        "stripped)");
    else
        rc = set_counts(c, name, &k);
    beex_cg_free(&prof);
    return rc ? -1 : 0;
}

static int measure_counts(ctx *c, char *err, size_t errlen)
{
    const beex_history_measure_opts *o = c->o;
    for (int p = 0; p < BEEX_HB_NPREC; p++) {
        const char *prec = beex_hb_precisions[p];
        int any = 0;
        for (int v = 0; v < BEEX_HB_NCOUNTED; v++)
            any |= wants_forward(o->only, prec, beex_hb_counted_variants[v]);
        if (!any)
            continue;
        char model[128], why[512];
        int rc = make_model(c, prec, model, sizeof model, why, sizeof why, err, errlen);
        if (rc < 0)
            return -1;
        for (int v = 0; v < BEEX_HB_NCOUNTED; v++) {
            const char *var = beex_hb_counted_variants[v];
            if (!wants_forward(o->only, prec, var))
                continue;
            if (rc > 0 ? absent_run(c, prec, var, why) != 0
                       : count_forward(c, prec, model, var, err, errlen) != 0)
                return -1;
        }
    }
    for (int p = 0; p < BEEX_HB_NPREC; p++)
        for (int v = 0; v < BEEX_HB_NCOUNTED; v++) {
            char name[128];
            snprintf(name, sizeof name, "train/%s/%s", beex_hb_precisions[p],
                     beex_hb_counted_variants[v]);
            if (beex_hb_selected(o->only, name) &&
                count_train(c, beex_hb_precisions[p], beex_hb_counted_variants[v], err, errlen))
                return -1;
        }
    return 0;
}

/* ---- the whole measurement ---------------------------------------------------------------- */

static int make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char was = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create the scratch folder %s: %s", buf, strerror(errno));
            return -1;
        }
        if (was == '\0')
            break;
        *p = was;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) || access(path, W_OK) != 0) {
        snprintf(err, errlen, "the scratch folder %s is not a writable folder", path);
        return -1;
    }
    return 0;
}

static int any_selected(const char *only, const char *prefix)
{
    const char *names[512];
    size_t n = beex_history_bench_names(names, 512);
    for (size_t i = 0; i < n; i++)
        if (strncmp(names[i], prefix, strlen(prefix)) == 0 && beex_hb_selected(only, names[i]))
            return 1;
    return 0;
}

static int check_valgrind(const char *scratch, char *err, size_t errlen)
{
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/valgrind-version.err", scratch);
    const char *argv[] = {"valgrind", "--version", NULL};
    char why[512];
    char *v = beex_spawn_output(argv, NULL, log, why, sizeof why);
    if (v == NULL) {
        snprintf(err, errlen,
                 "valgrind is needed for the counted benchmarks and did not run (%s); "
                 "scripts/setup.sh installs it",
                 why);
        return -1;
    }
    free(v);
    return 0;
}

/* "suite_version" (the binary's `--version` first line) and, when the record has none, the
 * compiler it names ("beex REV (Release build, GNU 12.2.0)"). */
static void version_fields(const beex_history_measure_opts *o, json_t *record)
{
    char log[PATH_MAX], why[512];
    snprintf(log, sizeof log, "%s/version.err", o->scratch);
    const char *argv[] = {o->binary, "--version", NULL};
    char *v = beex_spawn_output(argv, NULL, log, why, sizeof why);
    if (v == NULL)
        return;
    v[strcspn(v, "\n")] = '\0';
    if (json_object_get(record, "suite_version") == NULL)
        json_object_set_new(record, "suite_version", json_string(v));
    const char *open = strstr(v, " build, "), *close = strrchr(v, ')');
    if (json_object_get(record, "compiler") == NULL && open != NULL && close > open + 8)
        json_object_set_new(record, "compiler",
                            json_stringn(open + 8, (size_t)(close - (open + 8))));
    free(v);
}

/* BINARY_LINK in the scratch folder, pointing at the binary's absolute path. */
static int link_binary(const beex_history_measure_opts *o, char *err, size_t errlen)
{
    char target[PATH_MAX], link[PATH_MAX];
    if (realpath(o->binary, target) == NULL) {
        snprintf(err, errlen, "the binary %s: %s", o->binary, strerror(errno));
        return -1;
    }
    snprintf(link, sizeof link, "%s/" BINARY_LINK, o->scratch);
    unlink(link);
    if (symlink(target, link) != 0) {
        snprintf(err, errlen, "cannot link %s to %s: %s", link, target, strerror(errno));
        return -1;
    }
    return 0;
}

static json_t *section(json_t *record, const char *key)
{
    json_t *s = json_object_get(record, key);
    if (json_is_object(s))
        return s;
    s = json_object();
    if (s == NULL || json_object_set_new(record, key, s) != 0)
        return NULL;
    return s;
}

int beex_history_measure(const beex_history_measure_opts *o, json_t *record, char *err,
                         size_t errlen)
{
    if (o->binary == NULL || o->scratch == NULL || !json_is_object(record)) {
        snprintf(err, errlen, "history measure: no binary, scratch folder or record");
        return -1;
    }
    if (make_dirs(o->scratch, err, errlen) != 0)
        return -1;
    int counted =
        o->counts && (any_selected(o->only, "forward/") || any_selected(o->only, "kernel/") ||
                      any_selected(o->only, "train/"));
    int timed = o->timed && any_selected(o->only, "timed/");
    if (counted && check_valgrind(o->scratch, err, errlen) != 0)
        return -1;
    if (beex_hb_write_inputs(o->scratch, err, errlen) != 0)
        return -1;
    if (link_binary(o, err, errlen) != 0)
        return -1;
    ctx c = {o, section(record, "counts"), section(record, "absent")};
    json_t *t = section(record, "timed");
    if (c.counts == NULL || c.absent == NULL || t == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    version_fields(o, record);
    if (counted && measure_counts(&c, err, errlen) != 0)
        return -1;
    if (timed && beex_hm_timed(o, t, c.absent, err, errlen) != 0)
        return -1;
    return 0;
}
