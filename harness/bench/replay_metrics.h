/* Quality of a set of predictions, the way each task is scored (DATASETS.md): accuracy,
 * F1 (of the positive class "1" for binary tasks, macro over classes otherwise) and the
 * Matthews correlation coefficient (Gorodkin's multi-class form; the usual MCC for 2). */
#ifndef BEEX_BENCH_REPLAY_METRICS_H
#define BEEX_BENCH_REPLAY_METRICS_H

typedef enum { BEEX_METRIC_ACCURACY = 0, BEEX_METRIC_F1, BEEX_METRIC_MCC } beex_metric;

typedef struct {
    double accuracy, f1, mcc;
} beex_scores;

const char *beex_metric_name(beex_metric m);
int beex_metric_parse(const char *s); /* -1 when unknown */
/* The headline metric of a task: reuters-* -> F1, conll2010 -> MCC, others -> accuracy. */
beex_metric beex_metric_for_task(const char *task);

/* labels and predictions in [0, classes); positive = the class whose F1 is reported for
 * binary tasks (-1: macro F1 even for two classes). Returns 0, or -1 on a bad argument. */
int beex_scores_of(const int *labels, const int *pred, int n, int classes, int positive,
                   beex_scores *out);
double beex_scores_get(const beex_scores *s, beex_metric m);

#endif
