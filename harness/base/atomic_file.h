/* Results files appear whole or not at all: written to a temporary file in the same
 * directory, flushed and fsync'ed, then renamed over the target. A full disk, an
 * interrupted run (SIGINT) or an error leaves the previous file (or nothing) in place. */
#ifndef BEEX_BASE_ATOMIC_FILE_H
#define BEEX_BASE_ATOMIC_FILE_H

#include <jansson.h>
#include <stdio.h>

typedef struct {
    FILE *f;
    char *tmp_path;
    char *final_path;
} beex_atomic_file;

/* Checks, before any long work, that path can receive a results file: its directory exists
 * and is writable, and path is absent, a regular file, or a symlink to one. A directory, a
 * device, a FIFO or a socket is refused (renaming over it would replace it). Returns 0, or -1
 * with err naming the path. */
int beex_check_output_file(const char *path, char *err, size_t errlen);

/* 1 when a and b name the same existing file (device and inode, links followed), else 0:
 * an output that does not exist yet is no input. Checked before any work so that an output
 * option never replaces one of the command's own inputs. */
int beex_same_file(const char *a, const char *b);

/* Checks path as above, then creates "<path>.tmp.<pid>.<nonce>" exclusively (never through
 * a file or link already at that name) for writing; a symlink at path is followed, so the
 * commit replaces its target and keeps the link. Returns 0, or -1 with err set. */
int beex_atomic_open(beex_atomic_file *af, const char *path, char *err, size_t errlen);
/* Checks every write, fsyncs, renames. Returns 0, or -1 with err set (tmp removed). */
int beex_atomic_commit(beex_atomic_file *af, char *err, size_t errlen);
/* Removes the temporary file (error paths, signal cleanup). */
void beex_atomic_abort(beex_atomic_file *af);

/* Convenience: JSON document (indented, keys in insertion order) written atomically. */
int beex_json_write_atomic(const json_t *doc, const char *path, char *err, size_t errlen);

/* Names a staging directory whose files the signal handler also removes, with the directory
 * itself (NULL: none). */
void beex_atomic_track_dir(const char *dir);

/* Installs SIGINT/SIGTERM handlers that remove any open temporary files before exiting
 * with status 130; at most 16 files tracked at once. */
void beex_atomic_install_signal_cleanup(void);

#endif
