/* Folders and locks of a study. A unit's lock is flock(2) on DIR/units/<id>.lock: released by
 * the kernel when its process dies, so a killed run never blocks the next one, and two
 * processes (two local runs, a local run and a Slurm array task) never run the same unit.
 * Staging folders of killed runs are removed by the next holder of the lock. */
#ifndef BEEX_APP_STUDY_FS_H
#define BEEX_APP_STUDY_FS_H

#include <stddef.h>

/* Returns 1 with *fd holding the lock, 0 when another process holds it, -1 with err set. */
int beex_study_lock(const char *path, int *fd, char *err, size_t errlen);
/* Releases; with remove, unlinks the lock file first (a unit that is done needs none). */
void beex_study_unlock(int fd, const char *path, int remove);

/* rm -r (no symlink followed). Returns 0, or -1 when something could not be removed. */
int beex_remove_tree(const char *path);
/* Removes <dir>/<name>.partial-* and <dir>/<name>.replaced-* folders (call under the lock). */
void beex_study_clean_stale(const char *dir, const char *name);

/* Appends one line (a single write(2) with O_APPEND, so lines of concurrent units do not
 * interleave). Returns 0, or -1 with err naming the file. */
int beex_study_log_append(const char *path, const char *line, char *err, size_t errlen);

/* "<host>-<pid>": names a staging folder of this process. */
void beex_study_process_tag(char *out, size_t len);

#endif
