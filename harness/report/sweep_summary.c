#include "harness/report/sweep_summary.h"

#include <math.h>
#include <string.h>

#include "harness/report/sweep_report.h"
#include "kernels/cpu.h"

static void print_ops(FILE *out, double ops)
{
    if (ops >= 1e9)
        fprintf(out, "%6.3fG", ops / 1e9);
    else if (ops >= 1e6)
        fprintf(out, "%6.3fM", ops / 1e6);
    else
        fprintf(out, "%6.1fk", ops / 1e3);
}

static const char *significance(beex_interval ci)
{
    return ci.lo > 0 || ci.hi < 0 ? "significant" : "not significant";
}

/* One front row: rule, dev, test [CI], OPs, saving, vs full [CI] and McNemar, iso gain [CI],
 * exits. Differences in points (x100). */
static void print_row(FILE *out, const beex_sweep_table *t, int i, const char *mark)
{
    const beex_replay_point *d = &t->dev[i], *s = &t->test[i];
    const beex_point_stats *st = &s->stats;
    beex_interval ci = st->ci[(int)t->metric];
    char label[48];
    beex_policy_label(&s->policy, label, sizeof label);
    fprintf(out, "%-2s%-15s %6.4f  %6.4f [%6.4f,%6.4f] ", mark, label, d->metric, s->metric, ci.lo,
            ci.hi);
    print_ops(out, s->cost.ops);
    fprintf(out, " %5.1f%%  %+6.2f [%+6.2f,%+6.2f] %6.3f  %+6.2f [%+6.2f,%+6.2f]  ",
            100 * s->saving, 100 * st->diff_full, 100 * st->diff_full_ci.lo,
            100 * st->diff_full_ci.hi, st->mcnemar_p, 100 * st->iso_gain, 100 * st->iso_gain_ci.lo,
            100 * st->iso_gain_ci.hi);
    if (s->policy.kind == BEEX_POLICY_STATIC)
        fprintf(out, "static\n");
    else if (s->static_equivalent)
        fprintf(out, "= static %d (%.0f%%)\n", s->static_equivalent, 100 * s->mode_share);
    else
        fprintf(out, "adaptive (top block %d: %.0f%%)\n", s->mode_block, 100 * s->mode_share);
}

static void print_timings(FILE *out, int i, const beex_timed_run *runs, int nruns)
{
    int any = 0;
    for (int r = 0; r < nruns; r++)
        if (runs[r].table_index == i) {
            fprintf(out, "%s %s/%d thr/batch %d: %.1f us",
                    any ? "," : "    measured (median per example):",
                    beex_isa_name((beex_isa)runs[r].isa), runs[r].threads, runs[r].batch,
                    runs[r].per_example.median * 1e6);
            any = 1;
        }
    if (any)
        fputc('\n', out);
}

static void describe_choice(FILE *out, const beex_sweep_table *t, int i, const char *name,
                            const char *rule, const beex_summary_info *info)
{
    if (i < 0) {
        fprintf(out, "%s (%s): none qualifies.\n", name, rule);
        return;
    }
    const beex_replay_point *s = &t->test[i];
    const beex_point_stats *st = &s->stats;
    char label[48];
    beex_policy_label(&s->policy, label, sizeof label);
    beex_interval ci = st->ci[(int)t->metric];
    fprintf(out, "%s (%s): %s\n", name, rule, label);
    fprintf(out,
            "    test %s %.4f [%.4f, %.4f], %.1f %% fewer OPs than full depth, %+.2f points "
            "[%+.2f, %+.2f] (McNemar p = %.3g: %s)\n",
            info->metric_name, s->metric, ci.lo, ci.hi, 100 * s->saving, 100 * st->diff_full,
            100 * st->diff_full_ci.lo, 100 * st->diff_full_ci.hi, st->mcnemar_p,
            st->mcnemar_p < 0.05 ? "differs from full depth" : "no evidence of a difference");
    if (s->policy.kind == BEEX_POLICY_STATIC)
        fprintf(out, "    it is a static depth itself: no example-adaptive exit.\n");
    else if (s->static_equivalent && st->iso_gain_ci.lo > 0)
        fprintf(out,
                "    it is EQUIVALENT TO STATIC DEPTH %d by the 95 %% rule (%.1f %% of the test "
                "examples leave at block %d), yet the %.1f %% it sends elsewhere buy the gain "
                "below.\n",
                s->static_equivalent, 100 * s->mode_share, s->static_equivalent,
                100 * (1 - s->mode_share));
    else if (s->static_equivalent)
        fprintf(out,
                "    it is STATIC DEPTH %d IN DISGUISE: %.1f %% of the test examples leave at "
                "block %d.\n",
                s->static_equivalent, 100 * s->mode_share, s->static_equivalent);
    else
        fprintf(out,
                "    adaptive: its most common exit, block %d, takes %.1f %% of the test "
                "examples.\n",
                s->mode_block, 100 * s->mode_share);
    if (s->policy.kind != BEEX_POLICY_STATIC)
        fprintf(out, "    iso-cost gain over static depth: %+.2f points [%+.2f, %+.2f]: %s.\n",
                100 * st->iso_gain, 100 * st->iso_gain_ci.lo, 100 * st->iso_gain_ci.hi,
                significance(st->iso_gain_ci));
}

void beex_print_sweep_summary(FILE *out, const beex_sweep_table *t, const beex_summary_info *info,
                              const beex_timed_run *runs, int nruns)
{
    const beex_replay_point *full = &t->test[t->full];
    beex_interval fci = full->stats.ci[(int)t->metric];
    fprintf(out, "full depth: test %s %.4f [%.4f, %.4f], ", info->metric_name, full->metric, fci.lo,
            fci.hi);
    print_ops(out, full->cost.ops);
    fprintf(out, " OPs per example\n");
    fprintf(out,
            "intervals: 95 %% percentile bootstrap over the %d test examples (%d resamples, seed "
            "%llu); comparisons paired on the same resamples; one example is %.2f point of "
            "accuracy\n\n",
            info->test_examples, info->resamples, info->seed,
            info->test_examples > 0 ? 100.0 / info->test_examples : 0.0);
    fprintf(out, "Dev Pareto front over all rules, reported on test (differences in points):\n");
    fprintf(out, "  %-15s %6s  %6s %-15s %7s %6s  %-23s %6s  %-23s  %s\n", "rule", "dev", "test",
            " [95 % CI]", "OPs", "saving", "vs full depth [CI]", "McN p", "iso-cost gain [CI]",
            "exits");
    for (int i = 0; i < t->n; i++) {
        if (!t->front[i] && i != t->selected && i != t->selected_sig && i != t->selected_delta)
            continue;
        /* Neighbouring grid points with identical decisions print once. */
        int last = i;
        while (last + 1 < t->n && t->front[last + 1] == t->front[i] &&
               t->dev[last + 1].policy.kind == t->dev[i].policy.kind &&
               t->test[last + 1].cost.ops == t->test[i].cost.ops &&
               t->test[last + 1].metric == t->test[i].metric &&
               t->dev[last + 1].metric == t->dev[i].metric && last + 1 != t->selected &&
               last + 1 != t->selected_sig && last + 1 != t->selected_delta)
            last++;
        char mark[3] = "  ";
        if (i == t->selected)
            mark[0] = '*';
        if (i == t->selected_sig)
            mark[1] = '+';
        if (i == t->selected_delta && mark[0] == ' ')
            mark[0] = 'd';
        print_row(out, t, i, mark);
        print_timings(out, i, runs, nruns);
        i = last;
    }
    fprintf(out, "(* selected, + significance-aware choice, d the paper's rule alone; "
                 "McN p: exact McNemar against full depth)\n\n");
    describe_choice(out, t, t->selected, "Selected",
                    "fewest dev OPs within 1 point of full depth, all rules", info);
    describe_choice(out, t, t->selected_sig, "Significance-aware choice",
                    "fewest dev OPs whose paired dev lower bound against full depth is above -1 "
                    "point",
                    info);
    describe_choice(out, t, t->selected_delta, "The paper's rule alone",
                    "entropy ratio delta, fewest dev OPs within 1 point", info);
    int tested = t->beat_tested, beat = t->beat_all, beat_front = t->beat_front;
    fprintf(out,
            "\nDoes any rule beat static depth at equal cost? %d of %d non-static points have an "
            "iso-cost gain whose 95 %% interval excludes 0 on test (%d on the dev front)%s\n",
            beat, tested, beat_front,
            beat == 0 ? ": no." : "; with this many points about 2.5 % pass by chance.");
    fprintf(out, "Entropy on test: mean per block");
    for (int b = 0; b < t->blocks; b++)
        fprintf(out, " %.3f", t->entropy_mean_test[b]);
    fprintf(out, "; %s with depth on average; %.1f %% of the examples see it rise somewhere.\n",
            t->entropy_falls ? "falls" : "does NOT fall", 100 * t->entropy_rise_share);
    if (t->selected_delta < 0)
        fprintf(out, "No delta comes within 1 point of full depth on dev.\n");
}
