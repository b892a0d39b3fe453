/* Where a unit's data lives: the task's own directory, or with --folds K the fold's, cut once
 * per study into DIR/folds/<task>-k<K>-f<f>/ (harness/text/folds.h) and shared by the units
 * of every precision and seed. A fold folder appears whole (staging folder + rename); two
 * processes cutting the same fold keep the first. Its source.txt names the fingerprints of
 * the data it was cut from, so a changed data set is an error, not a silent mix. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/app/study/study.h"
#include "harness/app/study/study_fs.h"
#include "harness/base/atomic_file.h"
#include "harness/report/run_dir.h"
#include "harness/text/folds.h"
#include "harness/text/read_file.h"

static void source_line(const beex_study_task *t, char *out, size_t len)
{
    snprintf(out, len, "train.tsv %s dev.tsv %s test.tsv %s\n", t->fp[0], t->fp[1], t->fp[2]);
}

static int write_source(const char *dir, const char *line, char *err, size_t errlen)
{
    char p[4600];
    snprintf(p, sizeof p, "%s/source.txt", dir);
    beex_atomic_file af;
    if (beex_atomic_open(&af, p, err, errlen) != 0)
        return -1;
    fputs(line, af.f);
    return beex_atomic_commit(&af, err, errlen);
}

/* 0 when dir was cut from the data line names, -1 with err otherwise. */
static int check_source(const char *dir, const char *line, char *err, size_t errlen)
{
    char p[4600], why[256];
    snprintf(p, sizeof p, "%s/source.txt", dir);
    size_t len;
    char *got = beex_read_file(p, &len, why, sizeof why);
    int same = got != NULL && strcmp(got, line) == 0;
    free(got);
    if (!same) {
        snprintf(err, errlen,
                 "%s: cut from other data than the task's files now (%s); remove the folder "
                 "(and the units made from it) or use another --out",
                 dir, got == NULL ? why : "fingerprints differ");
        return -1;
    }
    return 0;
}

static int cut_fold(const beex_study_task *t, int k, int f, const char *final, const char *line,
                    char *err, size_t errlen)
{
    char stage[4400], tag[96];
    beex_study_process_tag(tag, sizeof tag);
    snprintf(stage, sizeof stage, "%s.partial-%s", final, tag);
    if (mkdir(stage, 0777) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", stage, strerror(errno));
        return -1;
    }
    beex_dataset ds;
    int rc = beex_dataset_load(t->dir, &ds, err, errlen);
    if (rc == 0) {
        rc = beex_folds_write(&ds, k, f, stage, err, errlen);
        beex_dataset_free(&ds);
    }
    if (rc == 0)
        rc = write_source(stage, line, err, errlen);
    if (rc == 0 && rename(stage, final) != 0) {
        if (errno != EEXIST && errno != ENOTEMPTY) {
            snprintf(err, errlen, "%s: cannot rename into place: %s", final, strerror(errno));
            rc = -1;
        } /* else another process cut the same fold first: keep theirs */
    }
    struct stat st;
    if (stat(stage, &st) == 0)
        beex_remove_tree(stage);
    return rc;
}

int beex_study_unit_data(const beex_study_plan *plan, int i, char *dir, size_t len, char *err,
                         size_t errlen)
{
    const beex_study_unit *u = &plan->units[i];
    const beex_study_task *t = &plan->tasks[u->task];
    if (u->fold < 0) {
        snprintf(dir, len, "%s", t->dir);
        return 0;
    }
    char folds[4200], line[128];
    snprintf(folds, sizeof folds, "%s/folds", plan->o->out);
    if (beex_mkdir_p(folds, err, errlen) != 0)
        return -1;
    if ((size_t)snprintf(dir, len, "%s/%s-k%d-f%d", folds, t->name, plan->o->folds, u->fold) >=
        len) {
        snprintf(err, errlen, "%s: path too long", folds);
        return -1;
    }
    source_line(t, line, sizeof line);
    struct stat st;
    if (stat(dir, &st) != 0 && cut_fold(t, plan->o->folds, u->fold, dir, line, err, errlen) != 0)
        return -1;
    return check_source(dir, line, err, errlen);
}
