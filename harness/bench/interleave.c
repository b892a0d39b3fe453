/* The round-robin schedule of interleave.h. */
#include "harness/bench/interleave.h"

#include <stdlib.h>

#include "harness/base/prng.h"

void beex_rr_order(uint64_t seed, int round, int n, int *order)
{
    uint64_t s = beex_prng_stream(seed, (uint64_t)round);
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)beex_prng_below(&s, (uint32_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

int beex_rr_run(const beex_rr_plan *p, beex_rr_slot slot, void *ctx)
{
    if (p->n < 1)
        return -1;
    int *order = malloc((size_t)p->n * sizeof *order);
    if (order == NULL)
        return -1;
    double timed = 0.0, want = p->n * p->min_seconds_per_case;
    int round = 0;
    while (round < p->max_rounds && (round < p->min_rounds || timed < want)) {
        beex_rr_order(p->seed, round, p->n, order);
        for (int i = 0; i < p->n; i++) {
            double s = slot(ctx, order[i], round);
            if (s < 0.0) {
                free(order);
                return -1;
            }
            timed += s;
        }
        round++;
    }
    free(order);
    return round;
}
