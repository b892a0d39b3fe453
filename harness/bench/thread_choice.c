/* One thread or the team, measured (thread_choice.h). */
#include "harness/bench/thread_choice.h"

#include <stddef.h>
#include <string.h>

#include "harness/base/timing.h"

static double median_of(const double *v, int n)
{
    double tmp[BEEX_CHOICE_MAX_ROUNDS];
    memcpy(tmp, v, (size_t)n * sizeof *tmp);
    beex_stats s = beex_stats_of(tmp, (size_t)n);
    return s.median;
}

int beex_thread_pick(const double *one, const double *team, int rounds, int offered,
                     beex_thread_choice *out)
{
    if (out == NULL || rounds < 0 || rounds > BEEX_CHOICE_MAX_ROUNDS ||
        (rounds > 0 && (one == NULL || team == NULL)))
        return -1;
    out->offered = offered;
    out->used = 1;
    out->rounds = rounds;
    out->median_one = out->median_team = out->ratio = 0.0;
    if (offered <= 1 || rounds == 0)
        return offered <= 1 ? 0 : -1;
    double ratio[BEEX_CHOICE_MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        if (!(one[r] > 0.0) || !(team[r] > 0.0))
            return -1;
        /* Paired by round: a machine that slows down for a while slows both passes of a
         * round alike, so their ratio keeps what the medians apart would blur. */
        ratio[r] = team[r] / one[r];
    }
    out->median_one = median_of(one, rounds);
    out->median_team = median_of(team, rounds);
    out->ratio = median_of(ratio, rounds);
    /* Only a team that is clearly faster: within the margin the two are the same code or
     * noise (at batch 1 the grains keep a small model's operations on thread 0 anyway), and
     * one thread is then the choice that can never be the slower one by more than the
     * margin, holds no second core and pays no fork. */
    out->used = out->ratio < BEEX_CHOICE_MARGIN ? offered : 1;
    return 0;
}

int beex_thread_choose(beex_pass_timer fn, void *ctx, int offered, int rounds,
                       beex_thread_choice *out)
{
    if (fn == NULL || out == NULL || rounds < 1 || rounds > BEEX_CHOICE_MAX_ROUNDS)
        return -1;
    memset(out, 0, sizeof *out);
    if (offered <= 1)
        return beex_thread_pick(NULL, NULL, 0, offered, out);
    double warm;
    if (fn(ctx, 1, &warm) != 0 || fn(ctx, 0, &warm) != 0)
        return -1;
    for (int r = 0; r < rounds; r++) {
        /* ABBA: one, team, team, one, ...: a drift within a round favours neither. */
        int solo_first = r % 2 == 0;
        for (int k = 0; k < 2; k++) {
            int solo = k == 0 ? solo_first : !solo_first;
            if (fn(ctx, solo, solo ? &out->one[r] : &out->team[r]) != 0)
                return -1;
        }
    }
    return beex_thread_pick(out->one, out->team, rounds, offered, out);
}
