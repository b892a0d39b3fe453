/* Quality of a set of predictions, the way each task is scored (docs/statistics.md): accuracy;
 * binary tasks F1 of a named positive class and the Matthews correlation; multi-class tasks
 * macro F1 and Gorodkin's R_K (which is the usual MCC for two classes). One definition for
 * every command. */
#ifndef BEEX_EVAL_METRICS_H
#define BEEX_EVAL_METRICS_H

typedef enum { BEEX_METRIC_ACCURACY = 0, BEEX_METRIC_F1, BEEX_METRIC_MCC } beex_metric;

#define BEEX_METRICS 3

typedef struct {
    double accuracy, f1, mcc;
} beex_scores;

/* A two-sided interval, [lo, hi]. */
typedef struct {
    double lo, hi;
} beex_interval;

/* What the bootstrap (intervals.h) says about one point of a sweep or one exit of an eval. */
typedef struct {
    int valid;                      /* 0 until intervals were computed */
    beex_interval ci[BEEX_METRICS]; /* 95 % percentile intervals of accuracy, f1, mcc */
    /* Paired against full depth on the same examples: difference of the headline metric, its
     * interval, and the exact McNemar p-value on correctness (b: only this point right, c:
     * only full depth right). */
    double diff_full;
    beex_interval diff_full_ci;
    double mcnemar_p;
    long mcnemar_b, mcnemar_c;
    /* Iso-cost gain: headline metric minus the static-depth curve at the same mean OPs
     * (linear between static depths iso_lower and iso_upper, weight iso_weight on the upper). */
    double iso_gain;
    beex_interval iso_gain_ci;
    int iso_lower, iso_upper;
    double iso_weight;
} beex_point_stats;

const char *beex_metric_name(beex_metric m);
int beex_metric_parse(const char *s); /* -1 when unknown */
/* The headline metric of a task: reuters-* -> F1, conll2010 -> MCC, others -> accuracy. */
beex_metric beex_metric_for_task(const char *task);
/* What the F1 and MCC figures mean for this many classes, for output files and tables:
 * "F1 of the positive class" (its name is written beside it) or "macro F1"; "Matthews
 * correlation" or "Gorodkin's R_K (multi-class MCC)". */
const char *beex_f1_kind(int classes);
const char *beex_mcc_kind(int classes);

/* labels and predictions in [0, classes); positive = the class whose F1 is reported for
 * binary tasks (-1: macro F1 even for two classes). Returns 0, or -1 on a bad argument. */
int beex_scores_of(const int *labels, const int *pred, int n, int classes, int positive,
                   beex_scores *out);
/* The same from a confusion matrix cm[true * classes + pred] of (possibly weighted) counts,
 * as the bootstrap builds it. Returns 0, or -1 when it is empty. */
int beex_scores_of_cm(const double *cm, int classes, int positive, beex_scores *out);
double beex_scores_get(const beex_scores *s, beex_metric m);

#endif
