/* Chunked dynamic work sharing (chunks.h). OpenMP's dynamic schedule is the shared counter:
 * each idle thread takes the next chunk index. */
#include "kernels/chunks.h"

#include <omp.h>
#include <stdint.h>

#include "kernels/team.h"

beex_chunks beex_chunks_plan(size_t n, int threads, size_t per_thread, size_t min_items)
{
    beex_chunks c = {n, 0};
    if (n == 0)
        return c;
    if (threads <= 1) {
        c.count = 1;
        return c;
    }
    if (per_thread < 1)
        per_thread = 1;
    if (min_items < 1)
        min_items = 1;
    size_t want = per_thread > SIZE_MAX / (size_t)threads ? SIZE_MAX : per_thread * (size_t)threads;
    size_t most = n / min_items; /* every chunk keeps at least min_items */
    c.count = want < most ? want : most;
    if (c.count < 1)
        c.count = 1;
    return c;
}

static int run_serial(const beex_chunks *c, int (*fn)(void *, size_t, size_t), void *ctx)
{
    for (size_t i = 0; i < c->count; i++) {
        size_t lo, hi;
        beex_chunk_range(c, i, &lo, &hi);
        int r = fn(ctx, lo, hi);
        if (r != 0)
            return r;
    }
    return 0;
}

/* The error of the in-team call under way: like bgemm's shared A rows, one in-team call runs
 * at a time in a process (kernels/team.h). Written before a barrier, read and cleared inside
 * the single that follows it, whose closing barrier keeps the next call from writing first. */
static int team_err;

static int run_team(const beex_chunks *c, int nt, int (*fn)(void *, size_t, size_t), void *ctx)
{
    int err = 0;
    if (c->count == 0) {
#pragma omp barrier
        return 0;
    }
    if (nt <= 1 || c->count == 1) {
#pragma omp single copyprivate(err)
        err = run_serial(c, fn, ctx);
        return err;
    }
    long count = (long)c->count;
#pragma omp for schedule(dynamic, 1) nowait
    for (long i = 0; i < count; i++) {
        size_t lo, hi;
        beex_chunk_range(c, (size_t)i, &lo, &hi);
        if (err == 0) /* after an error the rest is skipped; the loop still ends together */
            err = fn(ctx, lo, hi);
    }
    if (err != 0) {
#pragma omp atomic write
        team_err = err;
    }
#pragma omp barrier
#pragma omp single copyprivate(err)
    {
        err = team_err;
        team_err = 0;
    }
    return err;
}

int beex_for_chunks(const beex_chunks *c, int threads, int (*fn)(void *, size_t, size_t), void *ctx)
{
    int nt = beex_team_threads(threads);
    if (beex_is_team(threads))
        return run_team(c, nt, fn, ctx);
    if (c->count == 0)
        return 0;
    if (nt <= 1 || c->count == 1) /* no region: entering one costs about a microsecond */
        return run_serial(c, fn, ctx);
    if ((size_t)nt > c->count)
        nt = (int)c->count;
    long count = (long)c->count;
    int rc = 0;
#pragma omp parallel num_threads(nt)
    {
        int err = 0;
#pragma omp for schedule(dynamic, 1)
        for (long i = 0; i < count; i++) {
            size_t lo, hi;
            beex_chunk_range(c, (size_t)i, &lo, &hi);
            if (err == 0)
                err = fn(ctx, lo, hi);
        }
        if (err != 0) {
#pragma omp atomic write
            rc = err;
        }
    }
    return rc;
}

typedef struct {
    void (*fn)(void *, size_t, size_t);
    void *ctx;
} void_call;

static int call_void(void *p, size_t lo, size_t hi)
{
    const void_call *v = p;
    v->fn(v->ctx, lo, hi);
    return 0;
}

void beex_for_chunks_void(const beex_chunks *c, int threads, void (*fn)(void *, size_t, size_t),
                          void *ctx)
{
    void_call v = {fn, ctx};
    int nt = beex_team_threads(threads);
    if (!beex_is_team(threads) || c->count == 0 || nt <= 1 || c->count == 1) {
        (void)beex_for_chunks(c, threads, call_void, &v);
        return;
    }
    /* In a team with nothing to report: the loop's own barrier is the only one. */
    long count = (long)c->count;
#pragma omp for schedule(dynamic, 1)
    for (long i = 0; i < count; i++) {
        size_t lo, hi;
        beex_chunk_range(c, (size_t)i, &lo, &hi);
        fn(ctx, lo, hi);
    }
}
