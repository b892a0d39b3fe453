/* The history file: records appended and read back unchanged; bad lines (not JSON, a wrong
 * schema, no commit) rejected with the file and line named; a missing file read as empty only
 * when asked; commits found by prefix and machine; and series built from the records of one
 * machine, sorted, with absent benchmarks, failed builds and other machines left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report/history_file.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333"
#define C4 "abcdef0123456789abcdef0123456789abcdef01"

typedef struct {
    char dir[64];
    char path[128];
} tmp_history;

static int setup(void **state)
{
    tmp_history *t = malloc(sizeof *t);
    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof t->dir, "/tmp/beex_histXXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    /* A subfolder that does not exist yet: append must create it. */
    snprintf(t->path, sizeof t->path, "%s/sub/m.jsonl", t->dir);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tmp_history *t = *state;
    char sub[96];
    unlink(t->path);
    snprintf(sub, sizeof sub, "%s/sub", t->dir);
    rmdir(sub);
    rmdir(t->dir);
    free(t);
    return 0;
}

/* A record: counts for forward/w1a1/scalar (instructions = instr) unless instr < 0, and a
 * kernel bench only when with_kernel; a timed entry when median > 0. */
static json_t *record(const char *commit, const char *machine, long instr, int with_kernel,
                      double median)
{
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}", "schema",
                          BEEX_HISTORY_SCHEMA, "commit", commit, "commit_date",
                          "2026-01-01T00:00:00Z", "subject", "a commit", "compiler", "GNU 12.2.0",
                          "machine", "fingerprint", machine, "cpu", "Some CPU", "build", "ok");
    json_t *counts = json_object();
    if (instr >= 0)
        json_object_set_new(counts, "forward/w1a1/scalar",
                            json_pack("{s:I, s:I, s:I}", "instructions", (json_int_t)instr,
                                      "d1_misses", (json_int_t)(instr / 100), "ll_misses",
                                      (json_int_t)(instr / 1000)));
    if (with_kernel)
        json_object_set_new(counts, "kernel/bgemm/w1a1/scalar",
                            json_pack("{s:I, s:I, s:I}", "instructions", (json_int_t)500,
                                      "d1_misses", (json_int_t)5, "ll_misses", (json_int_t)1));
    json_object_set_new(r, "counts", counts);
    if (median > 0)
        json_object_set_new(r, "timed",
                            json_pack("{s:{s:f, s:[f, f, f]}}", "timed/forward/w1a1/avx2", "median",
                                      median, "reps", median * 0.9, median, median * 1.1));
    json_object_set_new(r, "absent", json_object());
    return r;
}

static json_t *failed_record(const char *commit, const char *machine)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:s}", "schema", BEEX_HISTORY_SCHEMA,
                     "commit", commit, "commit_date", "2026-01-01T00:00:00Z", "subject", "broken",
                     "machine", "fingerprint", machine, "compiler", "GNU 12.2.0", "build", "failed",
                     "why", "x.c:1: error: expected ';'");
}

static void append_ok(const char *path, json_t *r)
{
    char err[256];
    int rc = beex_history_append(path, r, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    json_decref(r);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void round_trip(void **state)
{
    tmp_history *t = *state;
    json_t *orig = record(C1, "intel-6-207", 123456, 1, 2e-5);
    json_t *keep = json_deep_copy(orig);
    append_ok(t->path, orig);
    append_ok(t->path, failed_record(C2, "intel-6-207"));

    beex_history h;
    char err[256];
    assert_int_equal(beex_history_read(t->path, 0, &h, err, sizeof err), 0);
    assert_int_equal(h.count, 2);
    assert_string_equal(h.records[0].commit, C1);
    assert_string_equal(h.records[0].machine, "intel-6-207");
    assert_string_equal(h.records[0].subject, "a commit");
    assert_string_equal(h.records[0].compiler, "GNU 12.2.0");
    assert_string_equal(h.records[0].commit_date, "2026-01-01T00:00:00Z");
    assert_int_equal(h.records[0].built, 1);
    assert_true(json_equal(h.records[0].json, keep));
    assert_int_equal(h.records[1].built, 0);
    assert_string_equal(json_string_value(json_object_get(h.records[1].json, "why")),
                        "x.c:1: error: expected ';'");
    beex_history_free(&h);
    json_decref(keep);

    /* One line per record, each ending in a newline. */
    FILE *f = fopen(t->path, "r");
    assert_non_null(f);
    int lines = 0, c, last = 0;
    while ((c = fgetc(f)) != EOF) {
        lines += c == '\n';
        last = c;
    }
    fclose(f);
    assert_int_equal(lines, 2);
    assert_int_equal(last, '\n');

    /* A record without a commit or with another schema is never appended. */
    json_t *bad = record(C3, "intel-6-207", 1, 0, 0);
    json_object_del(bad, "commit");
    assert_int_equal(beex_history_append(t->path, bad, err, sizeof err), -1);
    json_object_set_new(bad, "commit", json_string(C3));
    json_object_set_new(bad, "schema", json_string("beex-history/0"));
    assert_int_equal(beex_history_append(t->path, bad, err, sizeof err), -1);
    json_decref(bad);
}

/* Writes good line, then bad_line as line 2, and expects an error naming "PATH:2". */
static void expect_line_error(const char *path, const char *bad_line, const char *why)
{
    json_t *good = record(C1, "intel-6-207", 10, 0, 0);
    char *text = json_dumps(good, JSON_COMPACT);
    json_decref(good);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s\n%s\n", text, bad_line);
    free(text);
    write_file(path, buf);
    beex_history h;
    char err[512], want[256];
    err[0] = '\0';
    assert_int_equal(beex_history_read(path, 0, &h, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:2:", path);
    if (strstr(err, want) == NULL || strstr(err, why) == NULL)
        fail_msg("error '%s' lacks '%s' or '%s'", err, want, why);
    assert_null(h.records);
    assert_int_equal(h.count, 0);
}

static void bad_lines(void **state)
{
    tmp_history *t = *state;
    /* Creates the folder, which expect_line_error writes into. */
    append_ok(t->path, record(C1, "x", 1, 0, 0));

    expect_line_error(t->path, "{\"schema\": \"beex-history/1\", \"commit\": ", "not a JSON line");
    expect_line_error(t->path,
                      "{\"schema\":\"beex-history/2\",\"commit\":\"" C2 "\",\"commit_date\":\"d\","
                      "\"machine\":{\"fingerprint\":\"m\"},\"build\":\"ok\"}",
                      "schema");
    expect_line_error(t->path,
                      "{\"schema\":\"beex-history/1\",\"commit_date\":\"d\","
                      "\"machine\":{\"fingerprint\":\"m\"},\"build\":\"ok\"}",
                      "commit");
    expect_line_error(t->path,
                      "{\"schema\":\"beex-history/1\",\"commit\":\"" C2 "\",\"commit_date\":\"d\","
                      "\"machine\":{\"fingerprint\":\"m\"},\"build\":\"ok\",\"counts\":{\"b\":{"
                      "\"instructions\":\"many\"}}}",
                      "count");

    /* A partial last line (an append cut short): appending after it is refused. */
    write_file(t->path, "{\"schema\":\"beex-history/1\"");
    char err[512];
    json_t *next = record(C2, "x", 1, 0, 0);
    assert_int_equal(beex_history_append(t->path, next, err, sizeof err), -1);
    assert_non_null(strstr(err, t->path));
    json_decref(next);
}

static void missing_ok(void **state)
{
    tmp_history *t = *state;
    char path[160], err[256];
    snprintf(path, sizeof path, "%s/none.jsonl", t->dir);
    beex_history h;
    assert_int_equal(beex_history_read(path, 1, &h, err, sizeof err), 0);
    assert_int_equal(h.count, 0);
    beex_history_free(&h);
    err[0] = '\0';
    assert_int_equal(beex_history_read(path, 0, &h, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    /* A folder is no history, even when a missing file would be fine. */
    assert_int_equal(beex_history_read(t->dir, 1, &h, err, sizeof err), -1);
}

static void find_commits(void **state)
{
    tmp_history *t = *state;
    append_ok(t->path, record(C4, "intel-6-207", 10, 0, 0));
    append_ok(t->path, record(C2, "intel-6-207", 10, 0, 0));
    append_ok(t->path, record(C4, "amd-25-33", 10, 0, 0));
    beex_history h;
    char err[256];
    assert_int_equal(beex_history_read(t->path, 0, &h, err, sizeof err), 0);
    assert_int_equal(beex_history_find(&h, "abcdef0", NULL), 2);
    assert_int_equal(beex_history_find(&h, "ABCDEF0123", NULL), 2);
    assert_int_equal(beex_history_find(&h, C4, "intel-6-207"), 0);
    assert_int_equal(beex_history_find(&h, "abcdef0", "amd-25-33"), 2);
    assert_int_equal(beex_history_find(&h, "2222222", NULL), 1);
    assert_int_equal(beex_history_find(&h, "2222222", "amd-25-33"), -1);
    assert_int_equal(beex_history_find(&h, "abcdef", NULL), -1); /* shorter than 7 */
    assert_int_equal(beex_history_find(&h, "abcdefx", NULL), -1);
    assert_int_equal(beex_history_find(&h, C3, NULL), -1);
    beex_history_free(&h);
}

static const beex_history_series *series(const beex_history_series *s, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].key, key) == 0)
            return &s[i];
    return NULL;
}

static void series_extraction(void **state)
{
    tmp_history *t = *state;
    append_ok(t->path, record(C1, "m1", 1000, 1, 0));   /* rec 0 */
    append_ok(t->path, record(C2, "m2", 9999, 1, 0));   /* rec 1: other machine */
    append_ok(t->path, failed_record(C3, "m1"));        /* rec 2: failed build */
    append_ok(t->path, record(C3, "m1", 2000, 0, 3.0)); /* rec 3: no kernel bench */
    append_ok(t->path, record(C4, "m1", -1, 1, 4.0));   /* rec 4: no forward bench */
    beex_history h;
    char err[256];
    assert_int_equal(beex_history_read(t->path, 0, &h, err, sizeof err), 0);
    beex_history_series *s;
    size_t n;
    /* NULL: the last record's machine, m1. */
    assert_int_equal(beex_history_series_all(&h, NULL, &s, &n, err, sizeof err), 0);
    assert_int_equal(n, 3 + 3 + 1);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(s[i - 1].key, s[i].key) < 0);

    const beex_history_series *f = series(s, n, "forward/w1a1/scalar:instructions");
    assert_non_null(f);
    assert_int_equal(f->timed, 0);
    assert_int_equal(f->n, 2);
    assert_true(f->x[0] == 1000 && f->x[1] == 2000);
    assert_int_equal(f->rec[0], 0);
    assert_int_equal(f->rec[1], 3);
    assert_null(f->reps);
    f = series(s, n, "forward/w1a1/scalar:d1_misses");
    assert_non_null(f);
    assert_true(f->x[0] == 10 && f->x[1] == 20);

    const beex_history_series *k = series(s, n, "kernel/bgemm/w1a1/scalar:instructions");
    assert_non_null(k);
    assert_int_equal(k->n, 2);
    assert_int_equal(k->rec[0], 0);
    assert_int_equal(k->rec[1], 4);

    const beex_history_series *tm = series(s, n, "timed/forward/w1a1/avx2:median");
    assert_non_null(tm);
    assert_int_equal(tm->timed, 1);
    assert_int_equal(tm->n, 2);
    assert_true(tm->x[0] == 3.0 && tm->x[1] == 4.0);
    assert_int_equal(tm->rec[0], 3);
    assert_int_equal(tm->nreps[0], 3);
    assert_true(tm->reps[1][2] == 4.0 * 1.1 && tm->reps[0][0] == 3.0 * 0.9);
    beex_history_series_free(s, n);

    /* The other machine has only its own record. */
    assert_int_equal(beex_history_series_all(&h, "m2", &s, &n, err, sizeof err), 0);
    assert_int_equal(n, 6);
    f = series(s, n, "forward/w1a1/scalar:instructions");
    assert_non_null(f);
    assert_int_equal(f->n, 1);
    assert_true(f->x[0] == 9999);
    assert_int_equal(f->rec[0], 1);
    beex_history_series_free(s, n);

    assert_int_equal(beex_history_series_all(&h, "m3", &s, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    beex_history_series_free(s, n);
    beex_history_free(&h);
}

/* Records come back in commit-date order whatever order they were appended in (a backfill of
 * an older range after a newer one), ties in file order; the series follow that order. */
static void commit_date_order(void **state)
{
    tmp_history *t = *state;
    const char *dates[4] = {"2026-01-03T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z",
                            "2026-01-01T00:00:00Z"};
    const char *commits[4] = {C3, C1, C2, "4444444444444444444444444444444444444444"};
    for (int i = 0; i < 4; i++) {
        json_t *r = record(commits[i], "m1", 1000 + i, 0, 0.0);
        json_object_set_new(r, "commit_date", json_string(dates[i]));
        append_ok(t->path, r);
    }
    beex_history h;
    char err[256];
    assert_int_equal(beex_history_read(t->path, 0, &h, err, sizeof err), 0);
    assert_int_equal(h.count, 4);
    /* C1 and commit 4 share a date: file order (C1 first) breaks the tie */
    const char *want[4] = {C1, "4444444444444444444444444444444444444444", C2, C3};
    for (int i = 0; i < 4; i++)
        assert_string_equal(h.records[i].commit, want[i]);
    beex_history_series *s;
    size_t n;
    assert_int_equal(beex_history_series_all(&h, "m1", &s, &n, err, sizeof err), 0);
    const beex_history_series *f = series(s, n, "forward/w1a1/scalar:instructions");
    assert_non_null(f);
    assert_int_equal(f->n, 4);
    const double want_x[4] = {1001, 1003, 1002, 1000};
    for (int i = 0; i < 4; i++)
        assert_true(f->x[i] == want_x[i]);
    beex_history_series_free(s, n);
    beex_history_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(find_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(series_extraction, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_date_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
