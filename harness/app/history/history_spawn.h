/* Running other programs for the history (git, cmake, valgrind, an older beex): fork and exec
 * of an argument vector, never a shell string, so that a path or a revision from the user is
 * never parsed as shell syntax; standard streams to files or captured; a time limit. */
#ifndef BEEX_APP_HISTORY_SPAWN_H
#define BEEX_APP_HISTORY_SPAWN_H

#include <stddef.h>

typedef struct {
    const char *const *argv; /* argv[0]: a path, or a name looked up in PATH; NULL-terminated */
    const char *const *env;  /* "NAME=value" entries added to (or replacing) the environment;
                                NULL-terminated, or NULL for none */
    int env_only;            /* 1: the child's environment is env's entries alone */
    const char *dir;         /* the child's working folder (NULL: ours) */
    const char *in_path;     /* standard input from this file (NULL: /dev/null) */
    const char *out_path;    /* standard output to this file, truncated (NULL: see capture) */
    const char *err_path;    /* standard error to this file, truncated (NULL: /dev/null) */
    int err_append;          /* 1: append to err_path instead of truncating it */
    int capture;             /* 1 and out_path NULL: standard output into result.out */
    int timeout_s;           /* kill the child (SIGKILL) after this many seconds; 0: never */
} beex_spawn_opts;

typedef struct {
    int code;      /* the exit status; 127 when the program could not be started; -1 when it
                      was killed by a signal or the time limit */
    int timed_out; /* 1: killed after timeout_s */
    int signal;    /* the signal that ended it, or 0 */
    char *out;     /* capture: standard output, NUL-terminated (free it); else NULL */
    size_t out_len;
} beex_spawn_result;

/* Runs the program and waits for it. Returns 0 when it ran (r says how it ended), or -1 with
 * err when it could not be run at all (fork, a stream file that cannot be opened). */
int beex_spawn(const beex_spawn_opts *o, beex_spawn_result *r, char *err, size_t errlen);

/* Convenience: runs argv in dir with its output captured and returns that output with trailing
 * newlines removed (free it), or NULL when it could not run or exited non-zero (err then says
 * why, with the first line of its standard error when err_file is given). */
char *beex_spawn_output(const char *const *argv, const char *dir, const char *err_file, char *err,
                        size_t errlen);

/* No single run of the benchmark set takes minutes on the slowest machine the suite has met;
 * one that does is stuck, and is recorded as absent rather than stopping the history. */
#define BEEX_SPAWN_TOOL_TIMEOUT_S 900

/* Runs one command of a measured binary (or valgrind on it) as o says, with o->timeout_s
 * (0: BEEX_SPAWN_TOOL_TIMEOUT_S). Returns 0 when it exited 0, 1 when it failed (why: its first
 * error line from o->err_path, or how it ended), -1 when it could not be run at all (err). */
int beex_spawn_tool(const beex_spawn_opts *o, char *why, size_t whylen, char *err, size_t errlen);

/* The first line of a file that is not valgrind's own ("==PID==", "--PID--") nor a known
 * library notice, trimmed: what a program said about why it failed. "" when none. */
void beex_spawn_first_line(const char *path, char *out, size_t outlen);

#endif
