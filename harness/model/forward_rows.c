/* Row-wise block steps in dynamic chunks (forward_rows.h). */
#include "harness/model/forward_rows.h"

#include "harness/model/engine_internal.h"
#include "kernels/chunks.h"
#include "kernels/team.h"

/* About four chunks per thread, none under ROWS_MIN_ELEMENTS (in units of dff, the grain's
 * unit): a chunk is then a few microseconds of layer norm or gates, against the tenth of one
 * its scheduling costs. */
#define ROWS_CHUNKS_PER_THREAD 4
#define ROWS_MIN_ELEMENTS 4096

typedef struct {
    const beex_engine *e;
    void (*fn)(const beex_engine *, size_t, size_t, void *);
    void *ctx;
} rows_job;

static void rows_chunk(void *p, size_t r0, size_t r1)
{
    const rows_job *j = p;
    j->fn(j->e, r0, r1, j->ctx);
}

void beex_fwd_rows_chunked(const beex_engine *e, size_t n,
                           void (*fn)(const beex_engine *, size_t, size_t, void *), void *ctx)
{
    int nth = beex_fwd_threads_for(e, (double)n * (double)e->cfg.dff, BEEX_GRAIN_ELEMENTS);
    int threads = e->in_team ? beex_in_team(nth) : nth;
    size_t per_row = e->cfg.dff > 0 ? (size_t)e->cfg.dff : 1;
    beex_chunks c = beex_chunks_plan(n, beex_team_threads(threads), ROWS_CHUNKS_PER_THREAD,
                                     (ROWS_MIN_ELEMENTS + per_row - 1) / per_row);
    rows_job job = {e, fn, ctx};
    beex_for_chunks_void(&c, threads, rows_chunk, &job);
}
