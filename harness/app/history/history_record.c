/* `beex history record` end to end (history_record.h): header, checks, measurement, append. */
#include "harness/app/history/history_record.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/history/history_measure.h"
#include "harness/app/history/history_paths.h"
#include "harness/app/history/history_spawn.h"
#include "harness/base/atomic_file.h"
#include "harness/report/history_file.h"

/* 1 when REPO's work tree has changes to tracked files (the binary may not be the commit's),
 * 0 when clean, -1 when git cannot say. */
static int work_tree_dirty(const char *repo)
{
    const char *argv[] = {"git",         "--no-optional-locks",  "-C", repo, "status",
                          "--porcelain", "--untracked-files=no", NULL};
    char why[256];
    char *out = beex_spawn_output(argv, NULL, NULL, why, sizeof why);
    if (out == NULL)
        return -1;
    int dirty = out[0] != '\0';
    free(out);
    return dirty;
}

/* The record as one compact line in a file of its own, written whole or not at all. */
static int write_record(const char *path, const json_t *rec, char *err, size_t errlen)
{
    char *text = json_dumps(rec, JSON_COMPACT);
    if (text == NULL) {
        snprintf(err, errlen, "%s: cannot serialise the record", path);
        return -1;
    }
    beex_atomic_file af;
    int rc = beex_atomic_open(&af, path, err, errlen);
    if (rc == 0) {
        if (fputs(text, af.f) < 0 || fputc('\n', af.f) == EOF) {
            snprintf(err, errlen, "%s: write failed", path);
            beex_atomic_abort(&af);
            rc = -1;
        } else {
            rc = beex_atomic_commit(&af, err, errlen);
        }
    }
    free(text);
    return rc;
}

/* Reads the history and refuses a second record of the same commit and machine. */
static int check_history(const beex_history_record_opts *o, const char *path, const json_t *hdr,
                         char *err, size_t errlen)
{
    beex_history h;
    if (beex_history_read(path, 1, &h, err, errlen) != 0)
        return -1;
    const char *commit = json_string_value(json_object_get(hdr, "commit"));
    const char *fp =
        json_string_value(json_object_get(json_object_get(hdr, "machine"), "fingerprint"));
    long at = beex_history_find(&h, commit, fp);
    int rc = 0;
    if (at >= 0 && !o->force) {
        snprintf(err, errlen,
                 "%s already has a record of %.12s on %s (record %ld of %zu); --force adds "
                 "another",
                 path, commit, fp, at + 1, h.count);
        rc = -1;
    }
    beex_history_free(&h);
    return rc;
}

int beex_history_record_run(const beex_history_record_opts *o, char *path_out, size_t path_len,
                            char *err, size_t errlen)
{
    json_t *rec = beex_history_record_header(o->repo, o->commit, NULL, err, errlen);
    if (rec == NULL)
        return -1;
    char path[PATH_MAX], scratch[PATH_MAX];
    int rc = -1;
    if (o->out_record != NULL) {
        snprintf(path, sizeof path, "%s", o->out_record);
        if (beex_check_output_file(path, err, errlen) != 0)
            goto done;
    } else {
        if (o->history != NULL)
            snprintf(path, sizeof path, "%s", o->history);
        else if (beex_history_default_path(o->repo, rec, path, sizeof path, err, errlen) != 0)
            goto done;
        if (check_history(o, path, rec, err, errlen) != 0)
            goto done;
    }
    int dirty = work_tree_dirty(o->repo);
    json_object_set_new(rec, "dirty", json_boolean(dirty == 1));
    json_object_set_new(rec, "build", json_string("ok"));
    if (beex_history_scratch_make(scratch, sizeof scratch, err, errlen) != 0)
        goto done;
    beex_history_measure_opts mo = {o->binary, o->only,   1, o->timed, o->reps > 0 ? o->reps : 9,
                                    scratch,   o->verbose};
    int m = beex_history_measure(&mo, rec, err, errlen);
    beex_history_tree_remove(scratch);
    if (m != 0)
        goto done;
    if (o->out_record != NULL)
        rc = write_record(path, rec, err, errlen);
    else
        rc = beex_history_append(path, rec, err, errlen);
    if (rc == 0)
        snprintf(path_out, path_len, "%s", path);
done:
    json_decref(rec);
    return rc;
}
