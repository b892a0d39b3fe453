/* The change points of every series of one machine's history, and the confirmation of each
 * timed change by the counts of the same code path (docs/history.md, "Change points"). */
#include "harness/app/history/history_changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/prng.h"

/* Counts are deterministic, so any step is real; below half a percent it is still too small
 * to be worth a line in the table. */
#define COUNT_MIN_REL_CHANGE 0.005

/* FNV-1a of the key: each series gets its own permutation seed, fixed by its name, so that a
 * series' result does not depend on which other series the history holds. */
static uint64_t key_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* The count-series prefix that confirms timed series KEY, written to buf; 0 when the key names
 * no known code path. "timed/forward/P/V:m" -> "forward/P/"; "timed/gemm/w1a1/V/...:m" ->
 * "kernel/bgemm/". */
static int confirming_prefix(const char *key, char *buf, size_t len)
{
    static const char fwd[] = "timed/forward/";
    if (strncmp(key, fwd, sizeof fwd - 1) == 0) {
        const char *p = key + sizeof fwd - 1, *slash = strchr(p, '/');
        if (slash == NULL || slash == p)
            return 0;
        return snprintf(buf, len, "forward/%.*s/", (int)(slash - p), p) < (int)len;
    }
    if (strncmp(key, "timed/gemm/w1a1/", 16) == 0)
        return snprintf(buf, len, "kernel/bgemm/") < (int)len;
    return 0;
}

/* Runs the change points of one series and appends its changes to *out. Returns 0 or -1. */
static int series_changes(const beex_history *h, const beex_history_series *s,
                          const beex_changepoint_opts *base, beex_history_change **out, size_t *n,
                          size_t *cap, char *err, size_t errlen)
{
    beex_changepoint_opts o = *base;
    o.seed = beex_mix64(base->seed ^ key_hash(s->key));
    if (!s->timed && o.min_rel_change < COUNT_MIN_REL_CHANGE)
        o.min_rel_change = COUNT_MIN_REL_CHANGE;
    beex_change *c = malloc((s->n > 0 ? s->n : 1) * sizeof *c);
    size_t k;
    char why[256];
    if (c == NULL) {
        snprintf(err, errlen, "history changes: out of memory");
        return -1;
    }
    if (beex_changepoints(s->x, s->n, &o, c, s->n, &k, why, sizeof why) != 0) {
        snprintf(err, errlen, "history changes: series %s: %s", s->key, why);
        free(c);
        return -1;
    }
    if (*n + k > *cap) {
        size_t nc = (*n + k) * 2;
        beex_history_change *m = realloc(*out, nc * sizeof *m);
        if (m == NULL) {
            snprintf(err, errlen, "history changes: out of memory");
            free(c);
            return -1;
        }
        *out = m;
        *cap = nc;
    }
    for (size_t i = 0; i < k; i++) {
        size_t rec = s->rec[c[i].index];
        (*out)[(*n)++] = (beex_history_change){
            .key = s->key,
            .timed = s->timed,
            .change = c[i],
            .record = rec,
            .commit = h->records[rec].commit,
            .confirmed = s->timed ? 0 : -1,
            .regression = c[i].rel_change > 0,
            .current = i + 1 == k,
        };
    }
    free(c);
    return 0;
}

/* A timed change is confirmed by a change of a count series with the same code path at the
 * same record or its neighbour in commit order. rank[] numbers the machine's built records
 * (the ones that carry points), so a failed build between two commits does not push them
 * apart. */
static void confirm(beex_history_change *c, size_t n, const size_t *rank)
{
    for (size_t i = 0; i < n; i++) {
        char prefix[256];
        if (!c[i].timed || !confirming_prefix(c[i].key, prefix, sizeof prefix))
            continue;
        size_t plen = strlen(prefix), r = rank[c[i].record];
        for (size_t j = 0; j < n && !c[i].confirmed; j++) {
            if (c[j].timed || strncmp(c[j].key, prefix, plen) != 0)
                continue;
            size_t q = rank[c[j].record];
            c[i].confirmed = (q > r ? q - r : r - q) <= 1;
        }
    }
}

int beex_history_changes(const beex_history *h, const char *machine, const beex_changepoint_opts *o,
                         beex_history_series **series, size_t *nseries,
                         beex_history_change **changes, size_t *nchanges, char *err, size_t errlen)
{
    beex_changepoint_opts def;
    if (o == NULL) {
        beex_changepoint_defaults(&def);
        o = &def;
    }
    *changes = NULL;
    *nchanges = 0;
    *series = NULL;
    *nseries = 0;
    size_t none;
    char why[256];
    /* Bad options are an error even for a history without a series to run them on. */
    if (beex_changepoints(NULL, 0, o, NULL, 0, &none, why, sizeof why) != 0) {
        snprintf(err, errlen, "history changes: %s", why);
        return -1;
    }
    if (beex_history_series_all(h, machine, series, nseries, err, errlen) != 0)
        return -1;
    if (h->count == 0)
        return 0;
    if (machine == NULL)
        machine = h->records[h->count - 1].machine;
    size_t *rank = malloc(h->count * sizeof *rank), next = 0, cap = 0;
    if (rank == NULL) {
        snprintf(err, errlen, "history changes: out of memory");
        goto fail;
    }
    for (size_t r = 0; r < h->count; r++) {
        rank[r] = next;
        next += h->records[r].built && strcmp(h->records[r].machine, machine) == 0;
    }
    for (size_t i = 0; i < *nseries; i++)
        if (series_changes(h, &(*series)[i], o, changes, nchanges, &cap, err, errlen) != 0)
            goto fail;
    confirm(*changes, *nchanges, rank);
    free(rank);
    return 0;
fail:
    free(rank);
    free(*changes);
    *changes = NULL;
    *nchanges = 0;
    beex_history_series_free(*series, *nseries);
    *series = NULL;
    *nseries = 0;
    return -1;
}
