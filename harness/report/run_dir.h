/* Where a run's files go: results/runs/<kind>-<task>-<precision>-<host>-<UTC time>/ unless the
 * user names a directory; created with its parents. */
#ifndef BEEX_REPORT_RUN_DIR_H
#define BEEX_REPORT_RUN_DIR_H

#include <stddef.h>

/* mkdir -p. Returns 0, or -1 with err set. */
int beex_mkdir_p(const char *dir, char *err, size_t errlen);
/* Writes the default directory name into out; `suffix` may be NULL. */
void beex_default_run_dir(char *out, size_t len, const char *kind, const char *task,
                          const char *precision, const char *suffix);

/* A run's id, "<UTC start time>-<8 hex digits>" (e.g. "20261130T103135Z-3fa9c2d1"): sorts by
 * start time, and runs started in the same second differ (32 bits from /dev/urandom, or the
 * process id and the clock's nanoseconds where it cannot be read). A sweep records it in
 * sweep.json's context.run_id and in the run_id column of every CSV it writes; unlike the
 * folder's name it is fixed before any file is written and survives renaming the folder. */
void beex_run_id(char *out, size_t len);

/* A run's files appear together or not at all: they are written into a staging directory
 * next to the final one and renamed into place at the end.
 * beex_run_dir_stage checks `final` before any work: it may be absent or an empty directory
 * (or, with overwrite, a directory of an earlier run); anything else is an error. It creates
 * the parents and "<final>.partial-<pid>". Returns 0, or -1 with err set. */
int beex_run_dir_stage(const char *final, int overwrite, char *staging, size_t len, char *err,
                       size_t errlen);
/* Renames staging to final. With overwrite an existing final directory is replaced; with
 * pick_new_name (default run directories) a final that appeared meanwhile (another run in the
 * same second) makes it try "<final>-2", "-3", ... The name used goes to `used`. Returns 0, or
 * -1 with err set (staging is then left for inspection). */
int beex_run_dir_commit(const char *staging, const char *final, int overwrite, int pick_new_name,
                        char *used, size_t usedlen, char *err, size_t errlen);
/* Removes a staging directory and the files in it (after a failure). */
void beex_run_dir_abandon(const char *staging);

#endif
