/* Where the history commands put things: the default history file of a record's machine,
 * and the scratch folders measurements use. Private to app/history/. */
#ifndef BEEX_APP_HISTORY_PATHS_H
#define BEEX_APP_HISTORY_PATHS_H

#include <jansson.h>
#include <stddef.h>

/* REPO/results/history/<the record's machine fingerprint>.jsonl. Returns 0 or -1 with err. */
int beex_history_default_path(const char *repo, const json_t *record, char *out, size_t len,
                              char *err, size_t errlen);

/* A new empty folder under TMPDIR (or /tmp), "beex-history.XXXXXX". Returns 0 or -1. */
int beex_history_scratch_make(char *dir, size_t len, char *err, size_t errlen);

/* Removes a folder and everything in it (symbolic links are removed, never followed). */
void beex_history_tree_remove(const char *dir);

#endif
