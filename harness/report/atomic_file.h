/* Results files appear whole or not at all: written to a temporary file in the same
 * directory, flushed and fsync'ed, then renamed over the target. A full disk, an
 * interrupted run (SIGINT) or an error leaves the previous file (or nothing) in place. */
#ifndef BEEX_REPORT_ATOMIC_FILE_H
#define BEEX_REPORT_ATOMIC_FILE_H

#include <jansson.h>
#include <stdio.h>

typedef struct {
    FILE *f;
    char *tmp_path;
    char *final_path;
} beex_atomic_file;

/* Opens "<path>.tmp.<pid>" for writing. Returns 0, or -1 with err set. */
int beex_atomic_open(beex_atomic_file *af, const char *path, char *err, size_t errlen);
/* Checks every write, fsyncs, renames. Returns 0, or -1 with err set (tmp removed). */
int beex_atomic_commit(beex_atomic_file *af, char *err, size_t errlen);
/* Removes the temporary file (error paths, signal cleanup). */
void beex_atomic_abort(beex_atomic_file *af);

/* Convenience: JSON document (indented, keys in insertion order) written atomically. */
int beex_json_write_atomic(const json_t *doc, const char *path, char *err, size_t errlen);

/* Installs SIGINT/SIGTERM handlers that remove any open temporary files before exiting
 * with status 130; at most 16 files tracked at once. */
void beex_atomic_install_signal_cleanup(void);

#endif
