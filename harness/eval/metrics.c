#include "harness/eval/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *beex_metric_name(beex_metric m)
{
    switch (m) {
    case BEEX_METRIC_F1:
        return "f1";
    case BEEX_METRIC_MCC:
        return "mcc";
    default:
        return "accuracy";
    }
}

int beex_metric_parse(const char *s)
{
    if (strcmp(s, "accuracy") == 0)
        return BEEX_METRIC_ACCURACY;
    if (strcmp(s, "f1") == 0)
        return BEEX_METRIC_F1;
    if (strcmp(s, "mcc") == 0)
        return BEEX_METRIC_MCC;
    return -1;
}

beex_metric beex_metric_for_task(const char *task)
{
    /* The task may be given as a directory: judge by its last path component. */
    size_t end = strlen(task);
    while (end > 1 && task[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && task[start - 1] != '/')
        start--;
    const char *base = task + start;
    size_t len = end - start;
    if (len >= 7 && strncmp(base, "reuters", 7) == 0)
        return BEEX_METRIC_F1;
    if (len >= 9 && strncmp(base, "conll2010", 9) == 0)
        return BEEX_METRIC_MCC;
    return BEEX_METRIC_ACCURACY;
}

double beex_scores_get(const beex_scores *s, beex_metric m)
{
    switch (m) {
    case BEEX_METRIC_F1:
        return s->f1;
    case BEEX_METRIC_MCC:
        return s->mcc;
    default:
        return s->accuracy;
    }
}

static double f1_of_class(const double *cm, int classes, int c)
{
    double tp = cm[c * classes + c], pred_c = 0, true_c = 0;
    for (int k = 0; k < classes; k++) {
        pred_c += cm[k * classes + c];
        true_c += cm[c * classes + k];
    }
    /* F1 = 2 tp / (predicted + true); 0 when the class is absent on both sides. */
    return pred_c + true_c > 0 ? 2 * tp / (pred_c + true_c) : 0;
}

const char *beex_f1_kind(int classes)
{
    return classes == 2 ? "F1 of the positive class" : "macro F1";
}

const char *beex_mcc_kind(int classes)
{
    return classes == 2 ? "Matthews correlation" : "Gorodkin's R_K (multi-class MCC)";
}

int beex_scores_of(const int *labels, const int *pred, int n, int classes, int positive,
                   beex_scores *out)
{
    if (n <= 0 || classes < 2 || out == NULL || positive >= classes)
        return -1;
    double *cm = calloc((size_t)classes * classes, sizeof *cm); /* cm[true][pred] */
    if (cm == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= classes || pred[i] < 0 || pred[i] >= classes) {
            free(cm);
            return -1;
        }
        cm[labels[i] * classes + pred[i]] += 1;
    }
    int rc = beex_scores_of_cm(cm, classes, positive, out);
    free(cm);
    return rc;
}

int beex_scores_of_cm(const double *cm, int classes, int positive, beex_scores *out)
{
    if (classes < 2 || out == NULL || positive >= classes)
        return -1;
    double correct = 0, s = 0;
    for (int c = 0; c < classes; c++) {
        correct += cm[c * classes + c];
        for (int k = 0; k < classes; k++)
            s += cm[c * classes + k];
    }
    if (s <= 0)
        return -1;
    out->accuracy = correct / s;

    if (classes == 2 && positive >= 0) {
        out->f1 = f1_of_class(cm, classes, positive);
    } else {
        double sum = 0;
        for (int c = 0; c < classes; c++)
            sum += f1_of_class(cm, classes, c);
        out->f1 = sum / classes;
    }

    /* Gorodkin: MCC = (c s - sum_k p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)). */
    double sum_pt = 0, sum_pp = 0, sum_tt = 0;
    for (int k = 0; k < classes; k++) {
        double p = 0, t = 0;
        for (int j = 0; j < classes; j++) {
            p += cm[j * classes + k];
            t += cm[k * classes + j];
        }
        sum_pt += p * t;
        sum_pp += p * p;
        sum_tt += t * t;
    }
    double den = sqrt((s * s - sum_pp) * (s * s - sum_tt));
    out->mcc = den > 0 ? (correct * s - sum_pt) / den : 0;
    return 0;
}
