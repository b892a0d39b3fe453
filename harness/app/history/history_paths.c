/* Default paths and scratch folders of the history commands (history_paths.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "harness/app/history/history_paths.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int beex_history_default_path(const char *repo, const json_t *record, char *out, size_t len,
                              char *err, size_t errlen)
{
    const char *fp =
        json_string_value(json_object_get(json_object_get(record, "machine"), "fingerprint"));
    if (fp == NULL || fp[0] == '\0') {
        snprintf(err, errlen, "the record has no machine fingerprint");
        return -1;
    }
    int n = snprintf(out, len, "%s/results/history/%s.jsonl", repo, fp);
    if (n < 0 || (size_t)n >= len) {
        snprintf(err, errlen, "the history path under %s is too long", repo);
        return -1;
    }
    return 0;
}

int beex_history_scratch_make(char *dir, size_t len, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(dir, len, "%s/beex-history.XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= len || mkdtemp(dir) == NULL) {
        snprintf(err, errlen, "cannot create a scratch folder under %s: %s",
                 tmp != NULL && tmp[0] ? tmp : "/tmp", strerror(errno));
        return -1;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void beex_history_tree_remove(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
