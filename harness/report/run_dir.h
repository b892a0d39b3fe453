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

#endif
