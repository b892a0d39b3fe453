/* Work taken in chunks from a shared counter. A static equal share per thread finishes when
 * the slowest core finishes: on machines with unequal cores (Intel's P and E cores, Arm's
 * big.LITTLE, a VM whose cores run 15-20 % apart) the fast core then idles for the
 * difference. Cut into several chunks per thread and handed out one at a time, the work
 * follows what each core actually does, and the idle tail is at most one chunk.
 *
 * Which thread runs a chunk never changes what it computes: a chunk is a range of whole
 * output items (rows, tiles, blocks), each computed by the same code with the same operands
 * whichever thread takes it, so results are byte-identical on any thread count. */
#ifndef BEEX_KERNELS_CHUNKS_H
#define BEEX_KERNELS_CHUNKS_H

#include <stddef.h>

/* n items in `count` chunks of nearly equal size (sizes differ by at most one item). */
typedef struct {
    size_t n, count;
} beex_chunks;

/* The chunks for sharing n items among `threads` threads: about `per_thread` chunks each, none
 * smaller than `min_items` items (a chunk's scheduling and cache cost must stay small against
 * its work), at least one chunk when n > 0 and never more chunks than items. One thread (or
 * fewer) gets one chunk: nothing to balance. n = 0 gives no chunk. */
beex_chunks beex_chunks_plan(size_t n, int threads, size_t per_thread, size_t min_items);

/* Chunk i (i < count) is items [*lo, *hi): the first n % count chunks hold one item more. */
static inline void beex_chunk_range(const beex_chunks *c, size_t i, size_t *lo, size_t *hi)
{
    size_t q = c->n / c->count, r = c->n % c->count;
    *lo = i * q + (i < r ? i : r);
    *hi = *lo + q + (i < r ? 1 : 0);
}

/* Runs fn(ctx, lo, hi) once on every chunk, the chunks taken dynamically by the threads
 * (kernels/team.h's convention: in a caller's team every thread makes this call and it
 * returns after a barrier; else > 0 a new team of at most that many threads, <= 0 the OpenMP
 * default; one thread or one chunk runs on the calling thread, or on one thread of the team,
 * without a region). Returns 0, or a non-zero value fn returned (the same in every thread of
 * a team, which may then all leave the caller's region's work alike). */
int beex_for_chunks(const beex_chunks *c, int threads, int (*fn)(void *ctx, size_t lo, size_t hi),
                    void *ctx);

/* The same for work that cannot fail: one barrier fewer in a team. */
void beex_for_chunks_void(const beex_chunks *c, int threads,
                          void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx);

#endif
