/* libFuzzer target for the results-document readers of `beex compare` and `beex merge`.
 * One input holds up to six parts separated by 0xFF (fuzz_util.h):
 *   0: document A (a/doc.json)      2, 3: dev and test trace next to A
 *   1: document B (b/doc.json)      4, 5: dev and test trace next to B
 * Compare: each document goes through beex_bench_set_load (what `beex compare` reads); A is
 * compared with B, and with itself, which must never be a regression. Merge: the documents
 * are parsed with jansson and sorted by kind as cmd_merge.c does; shard documents get their
 * traces written under the names beex_merge_shards looks for (trace_{dev,test}.shard-I-of-N.csv
 * with I from the document and N the number of shard documents), then the shards, sweeps and
 * kernel benchmark documents are merged into a scratch directory emptied before each run.
 * Build: -DBEEX_FUZZ=ON with CC=clang; run: scripts/fuzz.sh. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "harness/eval/intervals.h"
#include "harness/report/compare.h"
#include "harness/report/merge.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* The merges print their tables on stdout; libFuzzer reports on stderr, which stays. */
    if (freopen("/dev/null", "w", stdout) == NULL)
        abort();
    return 0;
}

static void check_set(const beex_bench_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->rows[i].name == NULL || s->rows[i].instructions < -1 ||
            (s->rows[i].n > 0) != (s->rows[i].samples != NULL))
            abort();
        /* Rows are keyed by name: the loader merges repeated names into one row. */
        if (beex_bench_set_find(s, s->rows[i].name) != &s->rows[i])
            abort();
    }
}

/* Compares two sets and renders every row as `beex compare --json` does; returns the number
 * of regressions. */
static int compare(const beex_bench_set *a, const beex_bench_set *b)
{
    static const beex_compare_options o = {0.05, 0.05, 0.02};
    beex_compare_row *rows = NULL;
    long n = beex_compare_sets(a, b, &o, &rows);
    if (n < 0 || (size_t)n < (a->n > b->n ? a->n : b->n) || (size_t)n > a->n + b->n)
        abort();
    int regressions = 0;
    for (long i = 0; i < n; i++) {
        json_t *j = beex_compare_row_json(&rows[i]);
        char *text = json_dumps(j, JSON_COMPACT);
        if (j == NULL || text == NULL)
            abort();
        free(text);
        json_decref(j);
        regressions += rows[i].regression;
    }
    free(rows);
    return regressions;
}

static void fuzz_compare(const char *path_a, const char *path_b)
{
    char err[512];
    beex_bench_set a, b;
    err[0] = '\0';
    int rc = beex_bench_set_load(path_a, &a, err, sizeof err);
    fuzz_note("bench set A", rc, err);
    if (rc != 0) {
        if (err[0] == '\0' || a.rows != NULL || a.n != 0)
            abort();
        return;
    }
    check_set(&a);
    if (compare(&a, &a) != 0)
        abort(); /* identical samples and counts: `beex compare X X` can never regress */
    rc = path_b != NULL ? beex_bench_set_load(path_b, &b, err, sizeof err) : -1;
    if (path_b != NULL)
        fuzz_note("bench set B", rc, err);
    if (rc == 0) {
        check_set(&b);
        compare(&a, &b);
        compare(&b, &a);
        beex_bench_set_free(&b);
    }
    beex_bench_set_free(&a);
}

/* Writes the dev and test traces of a shard document where beex_merge_shards will look. */
static void place_traces(const json_t *doc, int nshards, const char *dir, const fuzz_part *dev,
                         const fuzz_part *test)
{
    json_int_t i = json_integer_value(json_object_get(json_object_get(doc, "shard"), "i"));
    char name[128], path[4200];
    /* As merge.c formats the name: %d of the (int) shard number. */
    snprintf(name, sizeof name, "trace_dev.shard-%d-of-%d.csv", (int)i, nshards);
    fuzz_path(path, sizeof path, dir, name);
    if (dev != NULL)
        fuzz_write(path, dev->p, dev->n);
    snprintf(name, sizeof name, "trace_test.shard-%d-of-%d.csv", (int)i, nshards);
    fuzz_path(path, sizeof path, dir, name);
    if (test != NULL)
        fuzz_write(path, test->p, test->n);
}

/* The bootstrap's cost is linear in its resample count, which a shard document may set up to
 * 10^6 (legitimately: `beex sweep --resamples`). That is work, not a fault, so counts within
 * the accepted range are held at the minimum, keeping each run fast and free of timeouts;
 * counts outside the range still reach the reader's check unchanged. */
static void hold_resamples(json_t *doc)
{
    json_t *boot = json_object_get(json_object_get(json_object_get(doc, "settings"), "effective"),
                                   "bootstrap");
    json_int_t r = json_integer_value(json_object_get(boot, "resamples"));
    if (r > BEEX_BOOTSTRAP_MIN_RESAMPLES && r <= 1000000)
        json_object_set_new(boot, "resamples", json_integer(BEEX_BOOTSTRAP_MIN_RESAMPLES));
}

static void fuzz_merge(char *paths[2], char *dirs[2], int ndocs, const fuzz_part *parts, int np,
                       const char *out)
{
    beex_merge_input docs[2], shards[2], sweeps[2], benches[2];
    int idx_shard[2], n = 0, ns = 0, nw = 0, nb = 0;
    for (int k = 0; k < ndocs; k++) {
        json_error_t je;
        json_t *doc = json_load_file(paths[k], 0, &je);
        fuzz_note("merge: json", doc != NULL ? 0 : -1, je.text);
        if (doc == NULL)
            continue; /* cmd_merge.c stops here with je's message */
        docs[n] = (beex_merge_input){paths[k], dirs[k], doc};
        const char *kind = json_string_value(json_object_get(doc, "kind"));
        if (kind != NULL && strcmp(kind, "beex-sweep-shard") == 0) {
            idx_shard[ns] = k;
            shards[ns++] = docs[n];
        } else if (kind != NULL && strcmp(kind, "beex-sweep") == 0) {
            sweeps[nw++] = docs[n];
        } else if (json_is_array(json_object_get(doc, "benchmarks"))) {
            benches[nb++] = docs[n];
        }
        n++;
    }
    char err[512];
    for (int s = 0; s < ns; s++) {
        int k = idx_shard[s];
        place_traces(shards[s].doc, ns, dirs[k], 2 + 2 * k < np ? &parts[2 + 2 * k] : NULL,
                     3 + 2 * k < np ? &parts[3 + 2 * k] : NULL);
    }
    if (ns > 0) {
        hold_resamples(shards[0].doc);
        err[0] = '\0';
        int rc = beex_merge_shards(shards, ns, out, err, sizeof err) != 0 ? -1 : 0;
        fuzz_note("merge shards", rc, err);
        if (rc != 0 && err[0] == '\0')
            abort();
    }
    if (nw > 0) {
        err[0] = '\0';
        int rc = beex_merge_machines(sweeps, nw, out, err, sizeof err) != 0 ? -1 : 0;
        fuzz_note("merge machines", rc, err);
        if (rc != 0 && err[0] == '\0')
            abort();
    }
    if (nb > 0) {
        err[0] = '\0';
        int rc = beex_merge_kernels(benches, nb, out, err, sizeof err) < 0 ? -1 : 0;
        fuzz_note("merge kernels", rc, err);
        if (rc != 0 && err[0] == '\0')
            abort();
    }
    for (int k = 0; k < n; k++)
        json_decref(docs[k].doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path_a[4200], path_b[4200], dir_a[4200], dir_b[4200], out[4200];
    const char *root = fuzz_scratch("results");
    /* Everything an earlier run wrote goes: its traces and outputs must not feed this one. */
    fuzz_empty_dir(root);
    fuzz_subdir(dir_a, sizeof dir_a, root, "a");
    fuzz_subdir(dir_b, sizeof dir_b, root, "b");
    fuzz_subdir(out, sizeof out, root, "out");
    fuzz_path(path_a, sizeof path_a, dir_a, "doc.json");
    fuzz_path(path_b, sizeof path_b, dir_b, "doc.json");

    fuzz_part parts[6];
    int np = fuzz_split(data, size, parts, 6);
    fuzz_write(path_a, parts[0].p, parts[0].n);
    if (np > 1)
        fuzz_write(path_b, parts[1].p, parts[1].n);

    fuzz_compare(path_a, np > 1 ? path_b : NULL);
    char *paths[2] = {path_a, path_b}, *dirs[2] = {dir_a, dir_b};
    fuzz_merge(paths, dirs, np > 1 ? 2 : 1, parts, np, out);
    return 0;
}
