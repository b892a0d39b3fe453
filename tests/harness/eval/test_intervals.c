/* The statistics of the evaluation path (docs/statistics.md) against numbers worked by hand: the
 * exact McNemar test, type-7 quantiles, accuracy / F1 / MCC / Gorodkin's R_K, the seeded
 * paired bootstrap (determinism across thread counts, paired differences, iso-cost gain), the
 * exit concentration of a replayed rule, and the sweep table (selection, front, and static
 * depth k being the same number as exit k of beex eval). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/paired_tests.h"
#include "harness/base/prng.h"
#include "harness/eval/exits.h"
#include "harness/eval/intervals.h"
#include "harness/eval/metrics.h"
#include "harness/eval/replay.h"
#include "harness/eval/sweep_table.h"

#define EPS 1e-12

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Field by field, bit for bit (NaN equals NaN): "the same seed gives the same interval" is a
 * promise about the printed digits, so no tolerance. */
static void assert_same_stats(const beex_point_stats *a, const beex_point_stats *b)
{
    assert_int_equal(a->valid, b->valid);
    for (int k = 0; k < BEEX_METRICS; k++) {
        assert_true(same_bits(a->ci[k].lo, b->ci[k].lo));
        assert_true(same_bits(a->ci[k].hi, b->ci[k].hi));
    }
    assert_true(same_bits(a->diff_full, b->diff_full));
    assert_true(same_bits(a->diff_full_ci.lo, b->diff_full_ci.lo));
    assert_true(same_bits(a->diff_full_ci.hi, b->diff_full_ci.hi));
    assert_true(same_bits(a->mcnemar_p, b->mcnemar_p));
    assert_int_equal(a->mcnemar_b, b->mcnemar_b);
    assert_int_equal(a->mcnemar_c, b->mcnemar_c);
    assert_true(same_bits(a->iso_gain, b->iso_gain));
    assert_true(same_bits(a->iso_gain_ci.lo, b->iso_gain_ci.lo));
    assert_true(same_bits(a->iso_gain_ci.hi, b->iso_gain_ci.hi));
    assert_int_equal(a->iso_lower, b->iso_lower);
    assert_int_equal(a->iso_upper, b->iso_upper);
    assert_true(same_bits(a->iso_weight, b->iso_weight));
}

/* ---- exact McNemar ---------------------------------------------------------------------- */

static void mcnemar_by_hand(void **state)
{
    (void)state;
    /* No discordant pair: nothing to test, p = 1. */
    assert_true(beex_mcnemar_exact_p(0, 0) == 1.0);
    /* n = 5, min = 0: P(X <= 0) = 1/32, two-sided 1/16. */
    assert_true(fabs(beex_mcnemar_exact_p(5, 0) - 0.0625) < EPS);
    assert_true(fabs(beex_mcnemar_exact_p(0, 5) - 0.0625) < EPS);
    /* n = 10, min = 1: P(X <= 1) = (C(10,0) + C(10,1)) / 2^10 = 11/1024. */
    assert_true(fabs(beex_mcnemar_exact_p(1, 9) - 2.0 * 11 / 1024) < EPS);
    assert_true(beex_mcnemar_exact_p(9, 1) == beex_mcnemar_exact_p(1, 9));
    /* n = 12, min = 3: (1 + 12 + 66 + 220) / 4096 = 299/4096. */
    assert_true(fabs(beex_mcnemar_exact_p(3, 9) - 2.0 * 299 / 4096) < EPS);
    assert_true(beex_mcnemar_exact_p(3, 9) == beex_mcnemar_exact_p(9, 3));
    /* n = 30, min = 0: 2 * 2^-30 = 2^-29; a linear-space sum would still manage, the next
     * case would not. */
    assert_true(fabs(beex_mcnemar_exact_p(30, 0) / ldexp(1.0, -29) - 1) < 1e-9);
    /* n = 6100: 0.5^6100 underflows a double, so only a log-space sum gets this right. The
     * normal approximation with continuity correction gives z = 99 / sqrt(6100) = 1.268,
     * two-sided p = 0.205. */
    double big = beex_mcnemar_exact_p(3000, 3100);
    assert_true(isfinite(big));
    assert_true(big > 0 && big <= 1);
    assert_true(big > 0.18 && big < 0.23);
    assert_true(beex_mcnemar_exact_p(3100, 3000) == big);
    /* b = c = 10: P(X <= 10) = 0.588 for n = 20, doubled > 1, capped at 1. */
    assert_true(beex_mcnemar_exact_p(10, 10) == 1.0);
}

/* ---- quantiles -------------------------------------------------------------------------- */

static void quantiles_by_hand(void **state)
{
    (void)state;
    /* Sorted {1, 2, 3, 4}; type 7 puts q at position h = (n - 1) q = 3q. */
    double v[4] = {4, 1, 3, 2};
    assert_true(fabs(beex_quantile_sorted_inplace(v, 4, 0.5) - 2.5) < EPS);   /* h = 1.5 */
    assert_true(fabs(beex_quantile_sorted_inplace(v, 4, 0.25) - 1.75) < EPS); /* h = 0.75 */
    assert_true(fabs(beex_quantile_sorted_inplace(v, 4, 0.75) - 3.25) < EPS); /* h = 2.25 */
    assert_true(beex_quantile_sorted_inplace(v, 4, 0.0) == 1.0);
    assert_true(beex_quantile_sorted_inplace(v, 4, 1.0) == 4.0);
    /* Sorted in place, as the name says. */
    for (int i = 0; i < 4; i++)
        assert_true(v[i] == i + 1);
    double one = 7;
    assert_true(beex_quantile_sorted_inplace(&one, 1, 0.3) == 7.0);
    assert_true(isnan(beex_quantile_sorted_inplace(NULL, 0, 0.5)));

    /* Level 0.5 is the quartiles. */
    double w[4] = {3, 4, 2, 1}, lo, hi;
    beex_percentile_interval(w, 4, 0.5, &lo, &hi);
    assert_true(fabs(lo - 1.75) < EPS);
    assert_true(fabs(hi - 3.25) < EPS);
    /* 0..100 shuffled: the 95 % interval is at positions 2.5 and 97.5, so [2.5, 97.5]. */
    double r[101];
    for (int i = 0; i < 101; i++)
        r[i] = (i * 37) % 101; /* 37 is coprime with 101: a permutation */
    beex_percentile_interval(r, 101, 0.95, &lo, &hi);
    assert_true(fabs(lo - 2.5) < 1e-9);
    assert_true(fabs(hi - 97.5) < 1e-9);
    beex_percentile_interval(NULL, 0, 0.95, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
}

/* ---- accuracy, F1, MCC, R_K ------------------------------------------------------------- */

/* Expands a 2 x 2 or C x C table of counts into label / prediction lists. */
static int expand(const int *counts, int classes, int *lab, int *pred)
{
    int n = 0;
    for (int t = 0; t < classes; t++)
        for (int p = 0; p < classes; p++)
            for (int k = 0; k < counts[t * classes + p]; k++) {
                lab[n] = t;
                pred[n] = p;
                n++;
            }
    return n;
}

static void scores_unbalanced_binary(void **state)
{
    (void)state;
    /* Class 1 positive: tp 3, fn 4 (true 1), fp 1, tn 12 (true 0). n = 20. */
    const int counts[4] = {12, 1, 4, 3}; /* [true 0: pred 0, pred 1; true 1: pred 0, pred 1] */
    int lab[20], pred[20];
    assert_int_equal(expand(counts, 2, lab, pred), 20);
    beex_scores s;
    double mcc = (3.0 * 12 - 1.0 * 4) / sqrt(4.0 * 7 * 13 * 16); /* 32 / sqrt(5824) */
    assert_int_equal(beex_scores_of(lab, pred, 20, 2, 1, &s), 0);
    assert_true(fabs(s.accuracy - 15.0 / 20) < EPS);
    assert_true(fabs(s.f1 - 6.0 / 11) < EPS); /* 2 tp / (2 tp + fp + fn) = 6 / (6 + 1 + 4) */
    assert_true(fabs(s.mcc - mcc) < EPS);
    assert_true(fabs(s.mcc - 0.41931393468876726) < 1e-9);

    /* Class 0 positive: its tp = 12, fp = 4 (true 1 predicted 0), fn = 1. MCC and accuracy do
     * not depend on the choice. */
    assert_int_equal(beex_scores_of(lab, pred, 20, 2, 0, &s), 0);
    assert_true(fabs(s.accuracy - 0.75) < EPS);
    assert_true(fabs(s.f1 - 24.0 / 29) < EPS);
    assert_true(fabs(s.mcc - mcc) < EPS);

    /* positive -1: macro F1 even for two classes. */
    assert_int_equal(beex_scores_of(lab, pred, 20, 2, -1, &s), 0);
    assert_true(fabs(s.f1 - (6.0 / 11 + 24.0 / 29) / 2) < EPS);

    /* The headline metric is read back by name. */
    assert_true(beex_scores_get(&s, BEEX_METRIC_ACCURACY) == s.accuracy);
    assert_true(beex_scores_get(&s, BEEX_METRIC_F1) == s.f1);
    assert_true(beex_scores_get(&s, BEEX_METRIC_MCC) == s.mcc);

    /* A constant predictor has no correlation (denominator 0), not a NaN; F1 of the class it
     * never predicts is 0. */
    int allzero[20] = {0};
    assert_int_equal(beex_scores_of(lab, allzero, 20, 2, 1, &s), 0);
    assert_true(fabs(s.accuracy - 13.0 / 20) < EPS);
    assert_true(s.f1 == 0.0);
    assert_true(s.mcc == 0.0);

    /* Bad arguments. */
    assert_int_equal(beex_scores_of(lab, pred, 0, 2, 1, &s), -1);
    assert_int_equal(beex_scores_of(lab, pred, 20, 2, 2, &s), -1);
    assert_int_equal(beex_scores_of(lab, pred, 20, 1, -1, &s), -1);
}

static void scores_three_classes(void **state)
{
    (void)state;
    /* true x pred:
     *   [5 1 0]   true counts t = 6, 6, 8
     *   [2 3 1]   pred counts p = 7, 6, 7
     *   [0 2 6]   correct c = 14 of s = 20
     * F1: class 0 2*5/(7+6) = 10/13, class 1 2*3/(6+6) = 1/2, class 2 2*6/(7+8) = 4/5.
     * R_K = (c s - sum p t) / sqrt((s^2 - sum p^2)(s^2 - sum t^2))
     *     = (280 - 134) / sqrt((400 - 134)(400 - 136)) = 146 / sqrt(266 * 264). */
    const int counts[9] = {5, 1, 0, 2, 3, 1, 0, 2, 6};
    int lab[20], pred[20];
    assert_int_equal(expand(counts, 3, lab, pred), 20);
    beex_scores s;
    double macro = (10.0 / 13 + 0.5 + 0.8) / 3, rk = 146.0 / sqrt(266.0 * 264.0);
    assert_int_equal(beex_scores_of(lab, pred, 20, 3, -1, &s), 0);
    assert_true(fabs(s.accuracy - 0.7) < EPS);
    assert_true(fabs(s.f1 - macro) < EPS);
    assert_true(fabs(s.mcc - rk) < EPS);
    assert_true(fabs(s.mcc - 0.550947) < 1e-6);
    /* A positive class means nothing with three classes: still macro F1. */
    assert_int_equal(beex_scores_of(lab, pred, 20, 3, 1, &s), 0);
    assert_true(fabs(s.f1 - macro) < EPS);

    /* The same from the confusion matrix. */
    double cm[9];
    for (int i = 0; i < 9; i++)
        cm[i] = counts[i];
    beex_scores c;
    assert_int_equal(beex_scores_of_cm(cm, 3, -1, &c), 0);
    assert_true(fabs(c.accuracy - 0.7) < EPS);
    assert_true(fabs(c.f1 - macro) < EPS);
    assert_true(fabs(c.mcc - rk) < EPS);

    /* Perfect predictions: R_K = 1, macro F1 = 1. */
    assert_int_equal(beex_scores_of(lab, lab, 20, 3, -1, &s), 0);
    assert_true(fabs(s.mcc - 1) < EPS && fabs(s.f1 - 1) < EPS && s.accuracy == 1);
}

static void scores_weighted_cm(void **state)
{
    (void)state;
    /* A bootstrap resample counts example i w_i times: a weighted confusion matrix must score
     * as the list with each example repeated. Weights as counts: */
    const int counts[4] = {2, 1, 3, 5};
    int lab[11], pred[11];
    assert_int_equal(expand(counts, 2, lab, pred), 11);
    double cm[4] = {2, 1, 3, 5};
    beex_scores a, b;
    assert_int_equal(beex_scores_of(lab, pred, 11, 2, 1, &a), 0);
    assert_int_equal(beex_scores_of_cm(cm, 2, 1, &b), 0);
    assert_true(fabs(a.accuracy - b.accuracy) < EPS);
    assert_true(fabs(a.f1 - b.f1) < EPS);
    assert_true(fabs(a.mcc - b.mcc) < EPS);
    /* By hand: accuracy 7/11, F1 = 10 / (10 + 1 + 3) = 5/7, MCC = (5*2 - 1*3) / sqrt(6*8*3*5). */
    assert_true(fabs(b.accuracy - 7.0 / 11) < EPS);
    assert_true(fabs(b.f1 - 5.0 / 7) < EPS);
    assert_true(fabs(b.mcc - 7.0 / sqrt(720.0)) < EPS);
    /* Scores are ratios: scaling every count leaves them unchanged. */
    double scaled[4] = {5, 2.5, 7.5, 12.5};
    assert_int_equal(beex_scores_of_cm(scaled, 2, 1, &a), 0);
    assert_true(fabs(a.accuracy - b.accuracy) < EPS);
    assert_true(fabs(a.f1 - b.f1) < EPS);
    assert_true(fabs(a.mcc - b.mcc) < EPS);
    /* An empty matrix has no score. */
    double empty[4] = {0};
    assert_int_equal(beex_scores_of_cm(empty, 2, 1, &a), -1);
}

/* ---- bootstrap -------------------------------------------------------------------------- */

#define BN 200

/* Random binary labels, and a prediction row right with probability `acc` per example. */
static void random_labels(uint64_t *st, int *lab, int n)
{
    for (int i = 0; i < n; i++)
        lab[i] = (int)beex_prng_below(st, 2);
}

static void noisy_preds(uint64_t *st, const int *lab, int n, int acc_percent, int *pred)
{
    for (int i = 0; i < n; i++)
        pred[i] = (int)beex_prng_below(st, 100) < acc_percent ? lab[i] : 1 - lab[i];
}

static beex_bootstrap_setup setup_of(const int *lab, int n, uint64_t seed)
{
    beex_bootstrap_setup s = {n,    2,   1, BEEX_METRIC_ACCURACY, lab, BEEX_BOOTSTRAP_MIN_RESAMPLES,
                              seed, 0.95};
    return s;
}

static void bootstrap_deterministic(void **state)
{
    (void)state;
    int lab[BN], preds[3 * BN];
    uint64_t st = 12345;
    random_labels(&st, lab, BN);
    noisy_preds(&st, lab, BN, 80, preds);
    noisy_preds(&st, lab, BN, 70, preds + BN);
    noisy_preds(&st, lab, BN, 75, preds + 2 * BN);
    const int lower[3] = {0, 0, 0}, upper[3] = {0, 0, 1};
    const double weight[3] = {0, 0.3, 0.6};
    beex_bootstrap_setup s = setup_of(lab, BN, 7);
    beex_point_stats a[3], b[3];
    char err[256] = "";
    int threads = omp_get_max_threads();

    assert_int_equal(
        beex_bootstrap_points(&s, preds, 3, 0, lower, upper, weight, a, err, sizeof err), 0);
    assert_int_equal(
        beex_bootstrap_points(&s, preds, 3, 0, lower, upper, weight, b, err, sizeof err), 0);
    for (int p = 0; p < 3; p++)
        assert_same_stats(&a[p], &b[p]);
    /* One thread, two, three (an uneven split of the resamples): the same bits, since every
     * resample draws from its own stream. */
    for (int t = 1; t <= 3; t++) {
        omp_set_num_threads(t);
        assert_int_equal(
            beex_bootstrap_points(&s, preds, 3, 0, lower, upper, weight, b, err, sizeof err), 0);
        for (int p = 0; p < 3; p++)
            assert_same_stats(&a[p], &b[p]);
    }
    omp_set_num_threads(threads);

    /* Another seed draws other resamples: some interval moves (the point estimates do not). */
    s.seed = 8;
    assert_int_equal(
        beex_bootstrap_points(&s, preds, 3, 0, lower, upper, weight, b, err, sizeof err), 0);
    int moved = 0;
    for (int p = 0; p < 3; p++) {
        for (int k = 0; k < BEEX_METRICS; k++)
            moved |= a[p].ci[k].lo != b[p].ci[k].lo || a[p].ci[k].hi != b[p].ci[k].hi;
        assert_true(a[p].diff_full == b[p].diff_full);
        assert_true(a[p].iso_gain == b[p].iso_gain);
    }
    assert_true(moved);
}

static void bootstrap_contains_point(void **state)
{
    (void)state;
    int lab[BN], preds[3 * BN];
    uint64_t st = 99;
    random_labels(&st, lab, BN);
    noisy_preds(&st, lab, BN, 80, preds);
    noisy_preds(&st, lab, BN, 65, preds + BN);
    noisy_preds(&st, lab, BN, 72, preds + 2 * BN);
    const int lower[3] = {0, 1, 1}, upper[3] = {0, 0, 0};
    const double weight[3] = {0, 0, 0.4};
    char err[256] = "";
    for (int m = 0; m < BEEX_METRICS; m++) {
        beex_bootstrap_setup s = setup_of(lab, BN, 3);
        s.metric = (beex_metric)m;
        beex_point_stats out[3];
        assert_int_equal(
            beex_bootstrap_points(&s, preds, 3, 0, lower, upper, weight, out, err, sizeof err), 0);
        beex_scores sc[3];
        for (int p = 0; p < 3; p++)
            assert_int_equal(beex_scores_of(lab, preds + p * BN, BN, 2, 1, &sc[p]), 0);
        for (int p = 0; p < 3; p++) {
            const beex_point_stats *o = &out[p];
            assert_int_equal(o->valid, 1);
            for (int k = 0; k < BEEX_METRICS; k++) {
                double x = beex_scores_get(&sc[p], (beex_metric)k);
                assert_true(o->ci[k].lo < o->ci[k].hi);
                assert_true(o->ci[k].lo <= x && x <= o->ci[k].hi);
            }
            /* The difference is of the headline metric. */
            double d = beex_scores_get(&sc[p], s.metric) - beex_scores_get(&sc[0], s.metric);
            assert_true(fabs(o->diff_full - d) < EPS);
            assert_true(o->diff_full_ci.lo <= d && d <= o->diff_full_ci.hi);
            assert_true(o->iso_gain_ci.lo <= o->iso_gain && o->iso_gain <= o->iso_gain_ci.hi);
        }
        /* Point 2 interpolates 0.6 of point 1 and 0.4 of point 0. */
        double g = beex_scores_get(&sc[2], s.metric) - (0.6 * beex_scores_get(&sc[1], s.metric) +
                                                        0.4 * beex_scores_get(&sc[0], s.metric));
        assert_true(fabs(out[2].iso_gain - g) < EPS);
    }
}

static void bootstrap_paired_with_full(void **state)
{
    (void)state;
    /* Full depth (point 0) is wrong on examples 0..59 only. Point 1 is full depth's twin.
     * Point 2 fixes examples 0..29 and breaks nothing: 30 more right, never less. */
    int lab[BN], preds[3 * BN];
    uint64_t st = 4242;
    random_labels(&st, lab, BN);
    for (int i = 0; i < BN; i++) {
        preds[i] = i < 60 ? 1 - lab[i] : lab[i];
        preds[BN + i] = preds[i];
        preds[2 * BN + i] = i < 30 ? lab[i] : preds[i];
    }
    beex_bootstrap_setup s = setup_of(lab, BN, 1);
    beex_point_stats out[3];
    char err[256] = "";
    assert_int_equal(beex_bootstrap_points(&s, preds, 3, 0, NULL, NULL, NULL, out, err, sizeof err),
                     0);
    /* The twin: the difference is 0 on every resample, nothing discordant. */
    for (int p = 0; p < 2; p++) {
        assert_true(out[p].diff_full == 0.0);
        assert_true(out[p].diff_full_ci.lo == 0.0 && out[p].diff_full_ci.hi == 0.0);
        assert_int_equal(out[p].mcnemar_b, 0);
        assert_int_equal(out[p].mcnemar_c, 0);
        assert_true(out[p].mcnemar_p == 1.0);
    }
    /* A twin also gets the same intervals (it is the same decisions). */
    assert_true(out[1].ci[0].lo == out[0].ci[0].lo && out[1].ci[0].hi == out[0].ci[0].hi);
    /* Point 2: b = 30, c = 0, p = 2 * 0.5^30; accuracy 170/200 against 140/200. */
    const beex_point_stats *o = &out[2];
    assert_int_equal(o->mcnemar_b, 30);
    assert_int_equal(o->mcnemar_c, 0);
    assert_true(fabs(o->mcnemar_p / (2 * pow(0.5, 30)) - 1) < 1e-9);
    assert_true(fabs(o->diff_full - 0.15) < EPS);
    /* The paired difference per example is 1 on 30 examples and 0 elsewhere: mean 0.15, SE
     * sqrt(0.15 * 0.85 / 200) = 0.0252, so about [0.10, 0.20]. Strictly above 0; an unpaired
     * interval would be about twice as wide. */
    assert_true(o->diff_full_ci.lo > 0);
    assert_true(o->diff_full_ci.lo <= 0.15 && 0.15 <= o->diff_full_ci.hi);
    double width = o->diff_full_ci.hi - o->diff_full_ci.lo;
    assert_true(fabs(width - 2 * 1.96 * sqrt(0.15 * 0.85 / BN)) < 0.02);
    /* Without a static curve there is no iso-cost gain. */
    assert_true(isnan(o->iso_gain));
    assert_int_equal(o->iso_lower, -1);
    assert_int_equal(o->iso_upper, -1);
}

static void bootstrap_iso_gain(void **state)
{
    (void)state;
    /* Static depths with accuracy 0.6 (point 0: right on 0..119) and 0.8 (point 1: right on
     * 0..159); a rule halfway between them in cost with accuracy 0.75 (point 2: right on
     * 0..149). The curve there is 0.5 * 0.6 + 0.5 * 0.8 = 0.7: gain 0.05. */
    int lab[BN], preds[3 * BN];
    uint64_t st = 777;
    random_labels(&st, lab, BN);
    const int right[3] = {120, 160, 150};
    for (int p = 0; p < 3; p++)
        for (int i = 0; i < BN; i++)
            preds[p * BN + i] = i < right[p] ? lab[i] : 1 - lab[i];
    const int lower[3] = {0, 1, 0}, upper[3] = {0, 1, 1};
    const double weight[3] = {0, 0, 0.5};
    beex_bootstrap_setup s = setup_of(lab, BN, 5);
    beex_point_stats out[3];
    char err[256] = "";
    assert_int_equal(
        beex_bootstrap_points(&s, preds, 3, 1, lower, upper, weight, out, err, sizeof err), 0);
    assert_true(fabs(out[2].iso_gain - (0.75 - 0.7)) < EPS);
    assert_int_equal(out[2].iso_lower, 0);
    assert_int_equal(out[2].iso_upper, 1);
    assert_true(out[2].iso_weight == 0.5);
    /* Per example the gain is +0.5 on 120..149, -0.5 on 150..159, 0 elsewhere: variance
     * 40 * 0.25 / 200 - 0.05^2 = 0.0475, SE sqrt(0.0475 / 200) = 0.0154, so the paired 95 %
     * interval is about 0.05 +- 0.030 and excludes 0. (Unpaired, it would be +- 0.074.) */
    assert_true(out[2].iso_gain_ci.lo > 0);
    assert_true(out[2].iso_gain_ci.lo <= 0.05 && 0.05 <= out[2].iso_gain_ci.hi);
    double width = out[2].iso_gain_ci.hi - out[2].iso_gain_ci.lo;
    assert_true(fabs(width - 2 * 1.96 * sqrt(0.0475 / BN)) < 0.015);
    /* A static depth against itself: exactly 0 on every resample. */
    for (int p = 0; p < 2; p++) {
        assert_true(out[p].iso_gain == 0.0);
        assert_true(out[p].iso_gain_ci.lo == 0.0 && out[p].iso_gain_ci.hi == 0.0);
    }
    /* Against full depth (point 1): point 2 is 10 examples worse, never better. */
    assert_int_equal(out[2].mcnemar_b, 0);
    assert_int_equal(out[2].mcnemar_c, 10);
    assert_true(fabs(out[2].diff_full + 0.05) < EPS);
}

static void bootstrap_refuses(void **state)
{
    (void)state;
    int lab[BN], preds[BN];
    uint64_t st = 1;
    random_labels(&st, lab, BN);
    noisy_preds(&st, lab, BN, 80, preds);
    beex_point_stats out[1];
    char err[256] = "";
    beex_bootstrap_setup s = setup_of(lab, BN, 1);
    s.resamples = BEEX_BOOTSTRAP_MIN_RESAMPLES - 1;
    assert_int_equal(beex_bootstrap_points(&s, preds, 1, 0, NULL, NULL, NULL, out, err, sizeof err),
                     -1);
    assert_true(strlen(err) > 0);
    assert_non_null(strstr(err, "1999"));

    s.resamples = BEEX_BOOTSTRAP_MIN_RESAMPLES;
    err[0] = '\0';
    preds[17] = 7;
    assert_int_equal(beex_bootstrap_points(&s, preds, 1, 0, NULL, NULL, NULL, out, err, sizeof err),
                     -1);
    assert_true(strlen(err) > 0);
    assert_non_null(strstr(err, "7"));
    err[0] = '\0';
    preds[17] = -1;
    assert_int_equal(beex_bootstrap_points(&s, preds, 1, 0, NULL, NULL, NULL, out, err, sizeof err),
                     -1);
    assert_true(strlen(err) > 0);

    /* full must name one of the points. */
    preds[17] = 0;
    err[0] = '\0';
    assert_int_equal(beex_bootstrap_points(&s, preds, 1, 1, NULL, NULL, NULL, out, err, sizeof err),
                     -1);
    assert_true(strlen(err) > 0);

    /* A label outside the classes is refused before it indexes the confusion matrix. */
    lab[5] = 9;
    err[0] = '\0';
    assert_int_equal(beex_bootstrap_points(&s, preds, 1, 0, NULL, NULL, NULL, out, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "label 9"));
    lab[5] = 0;
    /* So is a static-depth reference outside the points. */
    int lo = 0, hi = 3;
    double w = 0.5;
    err[0] = '\0';
    assert_int_equal(beex_bootstrap_points(&s, preds, 1, 0, &lo, &hi, &w, out, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "static-depth reference"));
}

static void bootstrap_width_mr(void **state)
{
    (void)state;
    /* mr's test split: 385 sentences, accuracy 285/385 = 0.740. The binomial standard error
     * is sqrt(0.74 * 0.26 / 385) = 0.0224, so the 95 % interval is about 0.088 wide
     * (docs/statistics.md: +-4.4 points). */
    enum { N = 385 };
    int lab[N], pred[N];
    uint64_t st = 2024;
    random_labels(&st, lab, N);
    for (int i = 0; i < N; i++)
        pred[i] = i < 285 ? lab[i] : 1 - lab[i];
    beex_bootstrap_setup s = setup_of(lab, N, BEEX_BOOTSTRAP_DEFAULT_SEED);
    beex_point_stats out;
    char err[256] = "";
    assert_int_equal(beex_bootstrap_points(&s, pred, 1, 0, NULL, NULL, NULL, &out, err, sizeof err),
                     0);
    double width = out.ci[BEEX_METRIC_ACCURACY].hi - out.ci[BEEX_METRIC_ACCURACY].lo;
    assert_true(fabs(width - 2 * 1.96 * sqrt(0.74 * 0.26 / 385)) < 0.015);
    assert_true(fabs(width - 0.088) < 0.015);
    /* Roughly centred on the estimate. */
    double mid = (out.ci[0].hi + out.ci[0].lo) / 2;
    assert_true(fabs(mid - 285.0 / N) < 0.01);
}

/* ---- exit concentration of a replayed rule ---------------------------------------------- */

/* n examples, 4 blocks, 2 classes; the first at2 exit at block 2 under delta 0.2 (entropy
 * 1.0 -> 0.9: ratio 0.1), the next at3 at block 3 (1.0 -> 0.5 -> 0.45: ratios 0.5, 0.1), the
 * rest at block 4 (1.0 -> 0.5 -> 0.1: ratios 0.5, 0.8; block N always exits). */
static void make_split_trace(beex_trace *t, int n, int at2, int at3)
{
    static const float H[3][4] = {
        {1.0f, 0.9f, 0.8f, 0.7f}, {1.0f, 0.5f, 0.45f, 0.1f}, {1.0f, 0.5f, 0.1f, 0.05f}};
    assert_int_equal(beex_trace_alloc(t, n, 4, 2), 0);
    for (int i = 0; i < n; i++) {
        int kind = i < at2 ? 0 : i < at2 + at3 ? 1 : 2;
        t->index[i] = i;
        t->label[i] = i % 2;
        t->len[i] = 8;
        for (int b = 0; b < 4; b++) {
            t->entropy[i * 4 + b] = H[kind][b];
            t->logits[(i * 4 + b) * 2 + (i % 2)] = 1.0f; /* always right */
        }
    }
}

static void replay_concentration(void **state)
{
    (void)state;
    beex_config cfg = beex_config_default();
    cfg.blocks = 4;
    cfg.classes = 2;
    beex_replay_setup s = {&cfg, BEEX_PREC_W1A1, BEEX_METRIC_ACCURACY, 1};
    beex_policy d = {BEEX_POLICY_DELTA, 0.2};
    beex_replay_point p;
    beex_trace t;

    /* 19 of 20 at block 2: exactly 95 %, which already counts as static depth 2. */
    make_split_trace(&t, 20, 19, 0);
    assert_int_equal(beex_replay(&t, &d, &s, &p, NULL, NULL), 0);
    assert_int_equal(p.hist[1], 19);
    assert_int_equal(p.hist[3], 1);
    assert_int_equal(p.mode_block, 2);
    assert_true(fabs(p.mode_share - 0.95) < EPS);
    assert_int_equal(p.static_equivalent, 2);
    beex_trace_free(&t);

    /* All 20 at block 2. */
    make_split_trace(&t, 20, 20, 0);
    assert_int_equal(beex_replay(&t, &d, &s, &p, NULL, NULL), 0);
    assert_true(p.mode_share == 1.0);
    assert_int_equal(p.static_equivalent, 2);
    beex_trace_free(&t);

    /* 60 / 40 between blocks 2 and 4: adaptive, not static. */
    make_split_trace(&t, 20, 12, 0);
    assert_int_equal(beex_replay(&t, &d, &s, &p, NULL, NULL), 0);
    assert_int_equal(p.mode_block, 2);
    assert_true(fabs(p.mode_share - 0.6) < EPS);
    assert_int_equal(p.static_equivalent, 0);
    assert_true(fabs(p.mean_exit - (12 * 2 + 8 * 4) / 20.0) < EPS);
    beex_trace_free(&t);

    /* 40 / 60: the mode is block 4. 18 of 20 (90 %) at block 3: still adaptive. */
    make_split_trace(&t, 20, 8, 0);
    assert_int_equal(beex_replay(&t, &d, &s, &p, NULL, NULL), 0);
    assert_int_equal(p.mode_block, 4);
    assert_true(fabs(p.mode_share - 0.6) < EPS);
    assert_int_equal(p.static_equivalent, 0);
    beex_trace_free(&t);
    make_split_trace(&t, 20, 1, 18);
    assert_int_equal(beex_replay(&t, &d, &s, &p, NULL, NULL), 0);
    assert_int_equal(p.mode_block, 3);
    assert_true(fabs(p.mode_share - 0.9) < EPS);
    assert_int_equal(p.static_equivalent, 0);
    beex_trace_free(&t);

    /* A tie (10 at block 2, 10 at block 3) goes to the lower block. */
    make_split_trace(&t, 20, 10, 10);
    assert_int_equal(beex_replay(&t, &d, &s, &p, NULL, NULL), 0);
    assert_int_equal(p.mode_block, 2);
    assert_true(fabs(p.mode_share - 0.5) < EPS);
    assert_int_equal(p.static_equivalent, 0);

    /* A static depth is its own static equivalent. */
    beex_policy k = {BEEX_POLICY_STATIC, 3};
    assert_int_equal(beex_replay(&t, &k, &s, &p, NULL, NULL), 0);
    assert_int_equal(p.mode_block, 3);
    assert_true(p.mode_share == 1.0);
    assert_int_equal(p.static_equivalent, 3);
    beex_trace_free(&t);
}

/* ---- the sweep table -------------------------------------------------------------------- */

/* n examples, 4 blocks, 2 classes, entropy rising at every block for every example (the
 * entropy-ratio rule's assumption broken). Example i is right at block b when its difficulty
 * u_i is below acc[b], so depth helps. */
static void make_rising_trace(beex_trace *t, int n, uint64_t seed)
{
    static const int acc[4] = {55, 65, 80, 86};
    assert_int_equal(beex_trace_alloc(t, n, 4, 2), 0);
    uint64_t st = seed;
    for (int i = 0; i < n; i++) {
        int label = (int)beex_prng_below(&st, 2), u = (int)beex_prng_below(&st, 100);
        float base = 0.1f + 0.002f * (float)beex_prng_below(&st, 100);
        t->index[i] = i;
        t->label[i] = label;
        t->len[i] = 4 + (int)beex_prng_below(&st, 60);
        for (int b = 0; b < 4; b++) {
            int pred = u < acc[b] ? label : 1 - label;
            t->entropy[i * 4 + b] = base * (1.0f + 0.5f * (float)b);
            t->logits[(i * 4 + b) * 2 + pred] = 2.0f;
        }
    }
}

static int dominates(const beex_replay_point *j, const beex_replay_point *i)
{
    int no_worse = j->cost.ops <= i->cost.ops && j->metric >= i->metric;
    int better = j->cost.ops < i->cost.ops || j->metric > i->metric;
    return no_worse && better;
}

static void sweep_table_properties(void **state)
{
    (void)state;
    beex_config cfg = beex_config_default();
    cfg.blocks = 4;
    cfg.classes = 2;
    beex_replay_setup s = {&cfg, BEEX_PREC_W1A1, BEEX_METRIC_ACCURACY, 1};
    beex_sweep_table_options o = {1, 2000, 1};
    beex_trace dev, test;
    make_rising_trace(&dev, 150, 11);
    make_rising_trace(&test, 180, 12);
    beex_sweep_table tab;
    char err[256] = "";

    /* (a) A rising entropy is a finding about the model, not an error. */
    assert_int_equal(beex_sweep_replay_all(&dev, &test, &s, &o, &tab, err, sizeof err), 0);
    assert_int_equal(tab.blocks, 4);
    assert_true(tab.selected >= 0 && tab.selected < tab.n);
    assert_true(tab.selected_sig >= 0 && tab.selected_sig < tab.n);
    assert_true(tab.entropy_rise_share == 1.0);
    for (int b = 0; b < 4; b++) {
        double want = 0;
        for (int i = 0; i < dev.n; i++)
            want += dev.entropy[i * 4 + b];
        assert_true(fabs(tab.entropy_mean_dev[b] - want / dev.n) < 1e-6);
        if (b > 0)
            assert_true(tab.entropy_mean_test[b] > tab.entropy_mean_test[b - 1]);
    }
    for (int k = 0; k < 4; k++) {
        int i = tab.static_index[k];
        assert_true(i >= 0 && i < tab.n);
        assert_int_equal(tab.dev[i].policy.kind, BEEX_POLICY_STATIC);
        assert_int_equal((int)tab.dev[i].policy.param, k + 1);
        assert_int_equal(tab.test[i].policy.kind, BEEX_POLICY_STATIC);
        assert_int_equal(tab.test[i].hist[k], test.n);
    }
    assert_int_equal(tab.full, tab.static_index[3]);

    /* (b) A static depth sits on the static curve: gain exactly 0, interval [0, 0]. */
    for (int k = 0; k < 4; k++) {
        const beex_replay_point *pts[2] = {&tab.dev[tab.static_index[k]],
                                           &tab.test[tab.static_index[k]]};
        for (int x = 0; x < 2; x++) {
            assert_true(pts[x]->stats.valid);
            assert_true(pts[x]->stats.iso_gain == 0.0);
            assert_true(pts[x]->stats.iso_gain_ci.lo == 0.0);
            assert_true(pts[x]->stats.iso_gain_ci.hi == 0.0);
        }
    }
    /* Every point's static references bracket its own OPs on its split. */
    for (int i = 0; i < tab.n; i++) {
        const beex_replay_point *p = &tab.test[i];
        const beex_replay_point *lo = &tab.test[p->stats.iso_lower];
        const beex_replay_point *hi = &tab.test[p->stats.iso_upper];
        assert_int_equal(lo->policy.kind, BEEX_POLICY_STATIC);
        assert_int_equal(hi->policy.kind, BEEX_POLICY_STATIC);
        assert_true(p->stats.iso_weight >= 0 && p->stats.iso_weight <= 1);
        double x = (1 - p->stats.iso_weight) * lo->cost.ops + p->stats.iso_weight * hi->cost.ops;
        assert_true(fabs(x - p->cost.ops) <= 1e-9 * p->cost.ops);
    }

    /* (c) The front over all rules: not empty, nobody on it dominated on dev, everybody off it
     * dominated by someone. */
    int on_front = 0;
    for (int i = 0; i < tab.n; i++) {
        int dominated = 0;
        for (int j = 0; j < tab.n; j++)
            dominated |= j != i && dominates(&tab.dev[j], &tab.dev[i]);
        assert_int_equal(tab.front[i], !dominated);
        on_front += tab.front[i];
        if (tab.delta_front[i])
            assert_int_equal(tab.dev[i].policy.kind, BEEX_POLICY_DELTA);
    }
    assert_true(on_front > 0);

    /* (d) Selection: within one point of full depth on dev, and nothing cheaper is. */
    double floor = tab.dev[tab.full].metric - BEEX_SELECTION_TOLERANCE - 1e-9;
    const beex_replay_point *sel = &tab.dev[tab.selected];
    assert_true(sel->metric >= floor);
    for (int i = 0; i < tab.n; i++)
        if (tab.dev[i].cost.ops < sel->cost.ops)
            assert_true(tab.dev[i].metric < floor);
    /* The significance-aware choice: full depth or a paired lower bound above -1 point, and
     * nothing cheaper qualifies. */
    const beex_replay_point *sig = &tab.dev[tab.selected_sig];
    assert_true(tab.selected_sig == tab.full ||
                sig->stats.diff_full_ci.lo > -BEEX_SELECTION_TOLERANCE);
    for (int i = 0; i < tab.n; i++)
        if (i != tab.full && tab.dev[i].cost.ops < sig->cost.ops)
            assert_true(tab.dev[i].stats.diff_full_ci.lo <= -BEEX_SELECTION_TOLERANCE + 1e-9);
    if (tab.selected_delta >= 0) {
        assert_int_equal(tab.dev[tab.selected_delta].policy.kind, BEEX_POLICY_DELTA);
        assert_true(tab.dev[tab.selected_delta].metric >= floor);
    }
    /* Here depth pays (0.55 .. 0.86 by construction): static depth 1 cannot be selected. */
    assert_true(tab.dev[tab.static_index[0]].metric < floor);
    assert_true(sel->cost.ops > tab.dev[tab.static_index[0]].cost.ops);

    /* (e) One evaluation path: exit k of beex eval is static depth k of the sweep, to the bit,
     * intervals included (same resamples, same seed). */
    beex_replay_point ex[4];
    beex_scores plain[4];
    assert_int_equal(beex_exit_points(&test, &s, o.resamples, o.seed, ex, err, sizeof err), 0);
    assert_int_equal(beex_exit_scores(&test, s.positive, plain), 0);
    for (int k = 0; k < 4; k++) {
        const beex_replay_point *sw = &tab.test[tab.static_index[k]];
        assert_true(same_bits(ex[k].scores.accuracy, sw->scores.accuracy));
        assert_true(same_bits(ex[k].scores.f1, sw->scores.f1));
        assert_true(same_bits(ex[k].scores.mcc, sw->scores.mcc));
        assert_true(same_bits(plain[k].accuracy, sw->scores.accuracy));
        assert_true(same_bits(plain[k].f1, sw->scores.f1));
        assert_true(same_bits(plain[k].mcc, sw->scores.mcc));
        assert_true(same_bits(ex[k].metric, sw->metric));
        assert_true(same_bits(ex[k].cost.ops, sw->cost.ops));
        for (int m = 0; m < BEEX_METRICS; m++) {
            assert_true(same_bits(ex[k].stats.ci[m].lo, sw->stats.ci[m].lo));
            assert_true(same_bits(ex[k].stats.ci[m].hi, sw->stats.ci[m].hi));
        }
        assert_true(same_bits(ex[k].stats.diff_full, sw->stats.diff_full));
        assert_true(same_bits(ex[k].stats.diff_full_ci.lo, sw->stats.diff_full_ci.lo));
        assert_true(same_bits(ex[k].stats.diff_full_ci.hi, sw->stats.diff_full_ci.hi));
        assert_int_equal(ex[k].stats.mcnemar_b, sw->stats.mcnemar_b);
        assert_int_equal(ex[k].stats.mcnemar_c, sw->stats.mcnemar_c);
    }
    /* And the accuracies are the ones built into the trace: monotone in depth. */
    for (int k = 1; k < 4; k++)
        assert_true(ex[k].scores.accuracy >= ex[k - 1].scores.accuracy);

    beex_sweep_table_free(&tab);
    beex_trace_free(&dev);
    beex_trace_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mcnemar_by_hand),          cmocka_unit_test(quantiles_by_hand),
        cmocka_unit_test(scores_unbalanced_binary), cmocka_unit_test(scores_three_classes),
        cmocka_unit_test(scores_weighted_cm),       cmocka_unit_test(bootstrap_deterministic),
        cmocka_unit_test(bootstrap_contains_point), cmocka_unit_test(bootstrap_paired_with_full),
        cmocka_unit_test(bootstrap_iso_gain),       cmocka_unit_test(bootstrap_refuses),
        cmocka_unit_test(bootstrap_width_mr),       cmocka_unit_test(replay_concentration),
        cmocka_unit_test(sweep_table_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
