/* Whether a configuration's threads help, measured in the same run: a pass on one thread and
 * a pass on the team, taken in turn (ABBA order) for a few rounds after one warm-up each, and
 * the team kept only when its median paired ratio to one thread is below 0.97. Small passes
 * (the sweep's timed points at batch 1: a whole pass is tens of microseconds per example)
 * gain nothing from a second thread and can lose to its fork, join and cache traffic; grains
 * alone cannot know the machine, the model and the variant, a measurement does. */
#ifndef BEEX_BENCH_THREAD_CHOICE_H
#define BEEX_BENCH_THREAD_CHOICE_H

enum { BEEX_CHOICE_MAX_ROUNDS = 32 };
/* The team is used when its median paired ratio to one thread is below this. */
#define BEEX_CHOICE_MARGIN 0.97

typedef struct {
    int offered; /* the team's threads */
    int used;    /* 1 or offered */
    int rounds;
    double one[BEEX_CHOICE_MAX_ROUNDS], team[BEEX_CHOICE_MAX_ROUNDS]; /* seconds, round order */
    double median_one, median_team;                                   /* seconds per pass */
    double ratio; /* median over the rounds of team / one */
} beex_thread_choice;

/* Times one pass: on one thread when solo, else on the team. Returns 0, or -1 (the caller's
 * error is its own to record). */
typedef int (*beex_pass_timer)(void *ctx, int solo, double *seconds);

/* The choice from measured passes one[r], team[r] (r < rounds, 1 <= rounds <=
 * BEEX_CHOICE_MAX_ROUNDS), as beex_thread_choose makes it: fills offered, used, rounds, the
 * medians and the ratio (not one[] and team[]). offered <= 1 always uses 1, measuring
 * nothing (rounds may be 0). Returns 0, or -1 on bad arguments or a time that is not
 * positive. */
int beex_thread_pick(const double *one, const double *team, int rounds, int offered,
                     beex_thread_choice *out);

/* Warm-up passes (one each), then `rounds` rounds of both passes in ABBA order, then
 * beex_thread_pick. offered <= 1 measures nothing (used = 1, rounds = 0). Returns 0, or -1
 * when a pass failed or the arguments are bad. */
int beex_thread_choose(beex_pass_timer fn, void *ctx, int offered, int rounds,
                       beex_thread_choice *out);

#endif
