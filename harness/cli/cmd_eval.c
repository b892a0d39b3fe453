/* `beex eval MODEL TASK`: every exit block's accuracy, F1 and MCC on dev and test with 95 %
 * bootstrap intervals and the paired comparison with full depth, through the one evaluation
 * path (harness/eval/: the engine's trace, labels by name, one metrics module), so that exit
 * k here equals static depth k of `beex sweep` exactly. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "harness/eval/exits.h"
#include "harness/eval/labels.h"
#include "harness/eval/trace.h"
#include "harness/model/engine.h"
#include "harness/model/model.h"
#include "harness/report/context.h"
#include "harness/report/sweep_report.h"
#include "harness/text/dataset.h"
#include "harness/text/tokenizer.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex eval MODEL TASK [options]\n"
            "  Accuracy, F1 and MCC of every exit block (block N = full depth) on dev and test,\n"
            "  each with its 95 %% bootstrap interval, and each exit against full depth: the\n"
            "  paired difference of the task's metric with its interval and the exact McNemar\n"
            "  p-value. Exit k equals static depth k of `beex sweep` by construction.\n"
            "  --precision P     fp32 | w1a32 | w1a1 | w8a8 (default: the model's own; w8a8\n"
            "                    needs a model calibrated by beex quantize)\n"
            "  --metric M        accuracy | f1 | mcc: the compared metric (default: the task's)\n"
            "  --positive NAME   class whose F1 a binary task reports (default: the class named\n"
            "                    1, pos, positive, spam, true or yes, else the second)\n"
            "  --resamples N     bootstrap resamples, at least 2000 (default 2000)\n"
            "  --seed N          bootstrap seed (default 1)\n"
            "  --threads N       OpenMP threads for the bootstrap (default: all)\n"
            "  --json FILE       also write the figures as JSON\n"
            "F1 is the positive class's for two classes and macro F1 otherwise; MCC is\n"
            "Gorodkin's R_K (the usual MCC for two classes). Labels are matched to the model's\n"
            "classes by name: a task label the model does not know is an error.\n"
            "Exit status: 0 ok, 1 bad model, data or output file, 2 usage error.\n");
}

typedef struct {
    int prec, metric, threads, resamples;
    unsigned long long seed;
    const char *json_path, *positive, *model, *task;
} eval_args;

static int parse(int argc, char **argv, eval_args *a)
{
    static const struct option opts[] = {{"precision", required_argument, 0, 'p'},
                                         {"json", required_argument, 0, 'j'},
                                         {"threads", required_argument, 0, 't'},
                                         {"metric", required_argument, 0, 'm'},
                                         {"positive", required_argument, 0, 'P'},
                                         {"resamples", required_argument, 0, 'r'},
                                         {"seed", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    *a = (eval_args){
        -1,   -1,   0,   BEEX_BOOTSTRAP_MIN_RESAMPLES, BEEX_BOOTSTRAP_DEFAULT_SEED, NULL,
        NULL, NULL, NULL};
    int c, v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if ((a->prec = beex_precision_parse(optarg)) < 0) {
                fprintf(stderr, "beex eval: unknown --precision '%s' (fp32, w1a32, w1a1, w8a8)\n",
                        optarg);
                return 2;
            }
            break;
        case 'm':
            if ((a->metric = beex_metric_parse(optarg)) < 0) {
                fprintf(stderr, "beex eval: unknown --metric '%s' (accuracy, f1, mcc)\n", optarg);
                return 2;
            }
            break;
        case 'j':
            a->json_path = optarg;
            break;
        case 'P':
            a->positive = optarg;
            break;
        case 't':
            if (beex_arg_int("eval", "threads", optarg, 1, BEEX_MAX_THREADS, &a->threads) != 0)
                return 2;
            break;
        case 'r':
            if (beex_arg_int("eval", "resamples", optarg, BEEX_BOOTSTRAP_MIN_RESAMPLES, 1000000,
                             &a->resamples) != 0)
                return 2;
            break;
        case 's':
            if (beex_arg_int("eval", "seed", optarg, 0, 2147483647, &v) != 0)
                return 2;
            a->seed = (unsigned long long)v;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 2) {
        usage(stderr);
        return 2;
    }
    a->model = argv[optind];
    a->task = argv[optind + 1];
    return 0;
}

static void print_ci(beex_interval ci)
{
    printf(" [%.4f,%.4f]", ci.lo, ci.hi);
}

/* Prints one split's table and returns its JSON rows. */
static json_t *report_split(const char *name, const beex_replay_point *pts, int blocks, int n,
                            const char *metric_name)
{
    json_t *rows = json_array();
    printf("%s (%d examples; one example = %.2f point)\n", name, n, 100.0 / n);
    printf("  exit  accuracy [95 %% CI]        F1 [95 %% CI]              MCC [95 %% CI]"
           "              %s vs full [CI] (points)  McNemar p\n",
           metric_name);
    for (int b = 0; b < blocks; b++) {
        const beex_replay_point *p = &pts[b];
        const beex_point_stats *st = &p->stats;
        printf("  %4d   %.4f", b + 1, p->scores.accuracy);
        print_ci(st->ci[0]);
        printf("  %.4f", p->scores.f1);
        print_ci(st->ci[1]);
        printf("  %+.4f", p->scores.mcc);
        print_ci(st->ci[2]);
        if (b == blocks - 1)
            printf("   (full depth)\n");
        else
            printf("   %+6.2f [%+6.2f,%+6.2f]   %.3g\n", 100 * st->diff_full,
                   100 * st->diff_full_ci.lo, 100 * st->diff_full_ci.hi, st->mcnemar_p);
        json_t *row = beex_replay_point_json(p, blocks);
        json_object_set_new(row, "split", json_string(name));
        json_object_set_new(row, "exit_block", json_integer(b + 1));
        json_object_set_new(row, "examples", json_integer(n));
        json_array_append_new(rows, row);
    }
    return rows;
}

/* What an evaluation runs on: the model, the task, the label map between them, the
 * vocabulary and an engine in the chosen precision. */
typedef struct {
    beex_model *m;
    beex_dataset ds;
    int have_ds;
    beex_vocab *v;
    beex_engine *e;
    beex_precision pr;
    int map[BEEX_MAX_CLASSES], positive;
} eval_inputs;

static void eval_inputs_free(eval_inputs *in)
{
    beex_engine_free(in->e);
    beex_vocab_free(in->v);
    if (in->have_ds)
        beex_dataset_free(&in->ds);
    beex_model_free(in->m);
}

/* Threads, model, task, labels matched by name, the positive class, the vocabulary and the
 * engine. Returns 0, or -1 with err set (eval_inputs_free frees either way). */
static int load_inputs(const eval_args *a, eval_inputs *in, char *err, size_t errlen)
{
    char why[400];
    if (beex_threads_setup(a->threads, err, errlen) < 0 ||
        beex_model_load(a->model, &in->m, err, errlen) != 0)
        return -1;
    beex_model *m = in->m;
    in->pr = a->prec >= 0 ? (beex_precision)a->prec : m->cfg.precision;
    if (in->pr == BEEX_PREC_W8A8 && beex_model_has_act_scales(m) != 1) {
        snprintf(err, errlen, "%s: %s", a->model, BEEX_W8A8_UNCALIBRATED);
        return -1;
    }
    if (beex_dataset_load(a->task, &in->ds, err, errlen) != 0)
        return -1;
    in->have_ds = 1;
    if (m->is_deployment && in->pr != m->cfg.precision) {
        snprintf(err, errlen, "%s: a deployment file runs only in its own precision (%s)", a->model,
                 beex_precision_name(m->cfg.precision));
        return -1;
    }
    if (in->ds.n_labels > BEEX_MAX_CLASSES) {
        snprintf(err, errlen, "%s: %d labels, more than the %d classes a model may have", a->task,
                 in->ds.n_labels, BEEX_MAX_CLASSES);
        return -1;
    }
    if (beex_label_map(&in->ds, m, in->map, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s on %s: %s", a->model, a->task, why);
        return -1;
    }
    in->positive = beex_positive_class(m, a->positive, err, errlen);
    if (in->positive == -2)
        return -1;
    if (m->vocab == NULL || (in->v = beex_vocab_from_tokens(m->vocab, m->cfg.vocab)) == NULL) {
        snprintf(err, errlen, "%s: the model carries no vocabulary", a->model);
        return -1;
    }
    beex_engine_options eo = {in->pr, -1, 0};
    return beex_engine_create(m, &eo, &in->e, err, errlen) != 0 ? -1 : 0;
}

/* --json: the context, what was evaluated and how, and the rows. Returns 0, or -1 with err
 * set. */
static int write_json(const eval_args *a, const eval_inputs *in, beex_metric metric, json_t *rows,
                      char *err, size_t errlen)
{
    const beex_model *m = in->m;
    int positive = in->positive, classes = m->cfg.classes;
    char fp[17] = "unknown";
    (void)beex_file_fingerprint(a->model, fp);
    json_t *doc = json_pack(
        "{s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:{s:i, s:I, s:f}, s:O}", "context",
        beex_context_json(), "model", a->model, "model_fingerprint", fp, "task", a->task,
        "precision", beex_precision_name(in->pr), "metric", beex_metric_name(metric),
        "positive_class", positive >= 0 ? json_string(m->labels[positive]) : json_null(), "f1",
        beex_f1_kind(classes), "mcc", beex_mcc_kind(classes), "bootstrap", "resamples",
        a->resamples, "seed", (json_int_t)a->seed, "level", 0.95, "results", rows);
    if (doc == NULL) {
        snprintf(err, errlen, "cannot build the JSON document");
        return -1;
    }
    int rc = beex_json_write_atomic(doc, a->json_path, err, errlen) != 0 ? -1 : 0;
    json_decref(doc);
    return rc;
}

int beex_cmd_eval(int argc, char **argv)
{
    eval_args a;
    int prc = parse(argc, argv, &a);
    if (prc != 0)
        return prc == 1 ? 0 : prc;
    if (a.json_path != NULL &&
        (beex_arg_output_not_input("eval", "json", a.json_path, "the model", a.model) != 0 ||
         beex_arg_output_not_task("eval", "json", a.json_path, a.task) != 0))
        return 1;
    char err[512];
    int rc = 1;
    eval_inputs in;
    memset(&in, 0, sizeof in);
    beex_trace tr[2];
    beex_replay_point *pts = NULL;
    memset(tr, 0, sizeof tr);
    json_t *rows = json_array();
    /* Output and inputs first: nothing long runs before every check has passed. */
    if ((a.json_path != NULL && beex_check_output_file(a.json_path, err, sizeof err) != 0) ||
        load_inputs(&a, &in, err, sizeof err) != 0)
        goto fail;
    const beex_model *m = in.m;
    int positive = in.positive;
    beex_metric metric = a.metric >= 0 ? (beex_metric)a.metric : beex_metric_for_task(a.task);
    beex_config cfg = m->cfg;
    beex_replay_setup rs = {&cfg, in.pr, metric, positive};
    pts = calloc((size_t)cfg.blocks, sizeof *pts);
    if (pts == NULL) {
        snprintf(err, sizeof err, "out of memory");
        goto fail;
    }
    printf("model %s, task %s, precision %s, %d blocks; F1 = %s%s%s%s, MCC = %s\n", a.model, a.task,
           beex_precision_name(in.pr), cfg.blocks, beex_f1_kind(cfg.classes),
           positive >= 0 ? " '" : "", positive >= 0 ? m->labels[positive] : "",
           positive >= 0 ? "'" : "", beex_mcc_kind(cfg.classes));
    printf("intervals: 95 %% percentile bootstrap (%d resamples, seed %llu), paired against full "
           "depth\n",
           a.resamples, a.seed);
    const char *names[2] = {"dev", "test"};
    const beex_split *splits[2] = {&in.ds.dev, &in.ds.test};
    for (int k = 0; k < 2; k++) {
        if (splits[k]->n == 0) {
            snprintf(err, sizeof err, "%s: the %s split is empty", a.task, names[k]);
            goto fail;
        }
        if (beex_trace_split(in.e, splits[k], in.v, in.map, 0, (int)splits[k]->n, NULL, &tr[k], err,
                             sizeof err) != 0 ||
            beex_exit_points(&tr[k], &rs, a.resamples, a.seed, pts, err, sizeof err) != 0)
            goto fail;
        json_t *r = report_split(names[k], pts, cfg.blocks, tr[k].n, beex_metric_name(metric));
        json_array_extend(rows, r);
        json_decref(r);
    }
    if (a.json_path != NULL && write_json(&a, &in, metric, rows, err, sizeof err) != 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "beex eval: %s\n", err);
out:
    json_decref(rows);
    free(pts);
    beex_trace_free(&tr[0]);
    beex_trace_free(&tr[1]);
    eval_inputs_free(&in);
    return rc;
}
