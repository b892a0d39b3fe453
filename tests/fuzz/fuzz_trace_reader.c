/* libFuzzer target for the trace CSV reader and the shard merger. The input is written to a
 * file and read back; a trace that loads must be consistent, survive a write and re-read bit
 * for bit (trace_io.h promises it), and go through beex_trace_concat split into two halves
 * (as two shards would) as well as merged with itself (duplicate examples: always refused).
 * Build: -DBEEX_FUZZ=ON with CC=clang; run: scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "harness/eval/trace_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Examples [first, first + count) of t as a trace of their own, sharing t's arrays. */
static beex_trace view(const beex_trace *t, int first, int count)
{
    beex_trace v = *t;
    size_t B = (size_t)t->blocks, C = (size_t)t->classes;
    v.n = count;
    v.index = t->index + first;
    v.label = t->label + first;
    v.len = t->len + first;
    v.entropy = t->entropy + (size_t)first * B;
    v.logits = t->logits + (size_t)first * B * C;
    return v;
}

/* Equal as stored, except that any NaN equals any NaN: the text form keeps no payload. */
static int same_floats(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(a[i] != a[i] && b[i] != b[i]) && memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            return 0;
    return 1;
}

static void check_round_trip(const beex_trace *t, const char *dir)
{
    char path[4200], err[512];
    fuzz_path(path, sizeof path, dir, "again.csv");
    if (beex_trace_write_csv(t, path, err, sizeof err) != 0)
        abort();
    beex_trace u;
    if (beex_trace_read_csv(path, &u, err, sizeof err) != 0)
        abort(); /* what the writer wrote, the reader must read */
    size_t n = (size_t)t->n, B = (size_t)t->blocks, C = (size_t)t->classes;
    if (u.n != t->n || u.blocks != t->blocks || u.classes != t->classes ||
        strcmp(u.origin, t->origin) != 0 || memcmp(u.index, t->index, n * sizeof *u.index) != 0 ||
        memcmp(u.label, t->label, n * sizeof *u.label) != 0 ||
        memcmp(u.len, t->len, n * sizeof *u.len) != 0 ||
        !same_floats(u.entropy, t->entropy, n * B) || !same_floats(u.logits, t->logits, n * B * C))
        abort();
    beex_trace_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch("trace");
    fuzz_empty_dir(dir);
    char path[4200], err[512];
    fuzz_path(path, sizeof path, dir, "trace.csv");
    fuzz_write(path, data, size);

    beex_trace t;
    err[0] = '\0';
    int rc = beex_trace_read_csv(path, &t, err, sizeof err);
    fuzz_note("read", rc, err);
    if (rc != 0) {
        if (err[0] == '\0' || t.index != NULL || t.logits != NULL)
            abort();
        return 0;
    }
    if (t.n < 1 || t.blocks < 1 || t.blocks > BEEX_MAX_BLOCKS || t.classes < 1)
        abort();
    for (int i = 0; i < t.n; i++)
        if (t.label[i] < 0 || t.label[i] >= t.classes || t.len[i] < 1)
            abort();
    check_round_trip(&t, dir);

    /* Two shards: the first half and the rest (the first may be empty for n = 1). */
    beex_trace parts[2] = {view(&t, 0, t.n / 2), view(&t, t.n / 2, t.n - t.n / 2)};
    beex_trace merged;
    err[0] = '\0';
    rc = beex_trace_concat(parts, 2, &merged, err, sizeof err);
    fuzz_note("concat halves", rc, err);
    if (rc == 0) {
        if (merged.n != t.n || merged.blocks != t.blocks || merged.classes != t.classes)
            abort();
        /* Merged example i is the row whose index was i. */
        for (int r = 0; r < t.n; r++) {
            int i = t.index[r];
            if (i < 0 || i >= t.n || merged.index[i] != i || merged.label[i] != t.label[r] ||
                merged.len[i] != t.len[r])
                abort();
        }
        beex_trace_free(&merged);
    } else if (err[0] == '\0' || merged.index != NULL) {
        abort();
    }
    /* A trace merged with itself duplicates every example. */
    beex_trace self[2] = {t, t};
    err[0] = '\0';
    if (beex_trace_concat(self, 2, &merged, err, sizeof err) == 0 || err[0] == '\0' ||
        merged.index != NULL)
        abort();
    beex_trace_free(&t);
    return 0;
}
