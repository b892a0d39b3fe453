/* `beex history bisect`: git bisect run on one deterministic count. The parent checks the
 * revisions, measures GOOD and BAD in a scratch work tree, and hands the rest to git, whose
 * run step is this same program in step mode (beex_history_bisect_step). Counts are
 * noise-free, so one measurement per commit decides it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/app/history/history_bisect.h"
#include "harness/app/history/history_measure.h"
#include "harness/base/atomic_file.h"
#include "harness/report/run_dir.h"

const char *const beex_history_bisect_metrics[3] = {"instructions", "d1_misses", "ll_misses"};

/* Formats into buf and returns rc: the error paths below are one line each (and paths of
 * PATH_MAX in a message are cut, not a compiler warning). */
__attribute__((format(printf, 4, 5))) static int say(int rc, char *err, size_t errlen,
                                                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* --- child processes ------------------------------------------------------------------ */

/* Every child runs in a process group of its own, so that SIGINT/SIGTERM to beex reaches the
 * whole tree under git bisect run (git, the step, cmake, the compiler) and nothing is left
 * running in the work tree when it is removed. */
static volatile sig_atomic_t caught_signal;
static volatile sig_atomic_t child_group;
/* Off in step mode: there the children stay in the group git bisect run was started in, which
 * the parent signals as a whole. */
static int own_groups;

static void on_signal(int sig)
{
    caught_signal = sig;
    if (child_group > 0)
        kill(-(pid_t)child_group, sig);
}

/* Runs argv in cwd (NULL: here), stdin from /dev/null, stdout appended to out (NULL:
 * inherited), stderr too when err_too. forward: signals to beex are passed on to it (off
 * while cleaning up, so that a second Ctrl-C cannot stop the reset). Returns the exit
 * status, 128 + the signal that killed it, or -1 when it could not be started. */
static int run_cmd(char *const argv[], const char *cwd, const char *out, int err_too, int forward,
                   int capture_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (own_groups)
            setpgid(0, 0);
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, STDIN_FILENO) < 0 || (cwd != NULL && chdir(cwd) != 0))
            _exit(127);
        if (capture_fd >= 0 && dup2(capture_fd, STDOUT_FILENO) < 0)
            _exit(127);
        if (out != NULL) {
            int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0666);
            if (fd < 0 || (capture_fd < 0 && dup2(fd, STDOUT_FILENO) < 0) ||
                (err_too && dup2(fd, STDERR_FILENO) < 0))
                _exit(127);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    if (own_groups) {
        setpgid(pid, pid); /* also here: the child may not have run yet when a signal comes */
        if (forward)
            child_group = pid;
    }
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    child_group = 0;
    if (w < 0)
        return -1;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
}

/* Runs argv and keeps its first line of output (trailing newline removed) in buf; stderr
 * goes to /dev/null. Returns the exit status as run_cmd. */
static int capture(char *const argv[], const char *cwd, char *buf, size_t len)
{
    int fds[2];
    buf[0] = '\0';
    if (pipe(fds) != 0)
        return -1;
    /* Read after the child ends: every captured command prints one short line, far below
     * what a pipe holds. */
    int rc = run_cmd(argv, cwd, "/dev/null", 1, 1, fds[1]);
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < len &&
           ((r = read(fds[0], buf + n, len - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            n += (size_t)r;
    close(fds[0]);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return rc;
}

/* git -C dir ARGS..., output appended to log (NULL: /dev/null). */
static int git(const char *dir, const char *log, int forward, ...)
{
    char *argv[24] = {"git", "-C", (char *)dir};
    int n = 3;
    va_list ap;
    va_start(ap, forward);
    const char *a;
    while (n < 23 && (a = va_arg(ap, const char *)) != NULL)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    return run_cmd(argv, NULL, log != NULL ? log : "/dev/null", 1, forward, -1);
}

/* --- building and measuring one commit ------------------------------------------------ */

/* The last line of a build log that says "error" (else its last line): the why of a skip. */
static void last_error_line(const char *log, char *why, size_t len)
{
    say(0, why, len, "see %s", log);
    FILE *f = fopen(log, "r");
    if (f == NULL)
        return;
    char line[1024], last[1024] = "";
    int found = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0')
            continue;
        int err = strstr(line, "error") != NULL || strstr(line, "Error") != NULL;
        if (err || !found) {
            snprintf(last, sizeof last, "%s", line);
            found |= err;
        }
    }
    fclose(f);
    if (last[0] != '\0')
        snprintf(why, len, "%s", last);
}

/* Builds the tree at src into build_dir with one persistent build folder, so that each
 * bisect step recompiles only what the checkout changed. Returns 0 built, 1 the commit does
 * not build (why: the log's error line), -1 when cmake cannot be run.
 * Kept here for now; `history backfill` builds old commits the same way, and the two may
 * share one build step later. */
static int build_tree(const char *src, const char *build_dir, char *why, size_t len)
{
    char log[PATH_MAX + 32], jobs[24];
    if (beex_mkdir_p(build_dir, why, len) != 0)
        return -1;
    snprintf(log, sizeof log, "%s/history-build.log", build_dir);
    FILE *f = fopen(log, "w");
    if (f == NULL || fclose(f) != 0) {
        say(0, why, len, "cannot write %s: %s", log, strerror(errno));
        return -1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(jobs, sizeof jobs, "%ld", cpus > 0 ? cpus : 1);
    char *configure[] = {"cmake",
                         "-S",
                         (char *)src,
                         "-B",
                         (char *)build_dir,
                         "-DCMAKE_BUILD_TYPE=Release",
                         "-DBEEX_TESTS=OFF",
                         NULL};
    char *make[] = {"cmake", "--build", (char *)build_dir, "--target", "beex", "--parallel",
                    jobs,    NULL};
    int rc = run_cmd(configure, src, log, 1, 1, -1);
    if (rc == 0)
        rc = run_cmd(make, src, log, 1, 1, -1);
    if (rc < 0) {
        snprintf(why, len, "cannot run cmake");
        return -1;
    }
    if (rc != 0) {
        last_error_line(log, why, len);
        return 1;
    }
    return 0;
}

/* Measures bench's metric with the binary. Returns 0, 1 when the binary cannot run the bench
 * (why: its own error, from the record's "absent"), -1 when measuring failed. */
static int measure(const char *binary, const char *build_dir, const char *bench, const char *metric,
                   double *value, char *why, size_t len)
{
    char scratch[PATH_MAX + 32];
    snprintf(scratch, sizeof scratch, "%s/history-scratch", build_dir);
    beex_history_measure_opts mo = {binary, bench, 1, 0, 9, scratch, 0};
    json_t *rec = json_object();
    if (rec == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    int rc = -1;
    if (beex_history_measure(&mo, rec, why, len) == 0) {
        json_t *v = json_object_get(json_object_get(json_object_get(rec, "counts"), bench), metric);
        const char *absent =
            json_string_value(json_object_get(json_object_get(rec, "absent"), bench));
        if (json_is_number(v)) {
            *value = json_number_value(v);
            rc = 0;
        } else {
            snprintf(why, len, "%s", absent != NULL ? absent : "no such count in the measurement");
            rc = 1;
        }
    }
    json_decref(rec);
    return rc;
}

/* Builds and measures the tree; returns as measure, with a failed build as 1 (why says so). */
static int build_and_measure(const char *tree, const char *build_dir, const char *bench,
                             const char *metric, double *value, char *why, size_t len)
{
    char inner[768], binary[PATH_MAX + 8];
    int b = build_tree(tree, build_dir, inner, sizeof inner);
    if (b != 0) {
        snprintf(why, len, "%s%s", b > 0 ? "does not build: " : "", inner);
        return b;
    }
    snprintf(binary, sizeof binary, "%s/beex", build_dir);
    int m = measure(binary, build_dir, bench, metric, value, inner, sizeof inner);
    if (m != 0)
        snprintf(why, len, "%s%s", m > 0 ? "cannot run the bench: " : "", inner);
    return m;
}

/* The steps' values, one "commit\tvalue" line each, for the summary's first-bad value. */
static void steps_path(const char *build_dir, char *out, size_t len)
{
    snprintf(out, len, "%s/history-bisect-steps.tsv", build_dir);
}

static void note_step(const char *build_dir, const char *commit, double value)
{
    char path[PATH_MAX + 40];
    steps_path(build_dir, path, sizeof path);
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return; /* only the summary's extra line is lost */
    fprintf(f, "%s\t%.17g\n", commit, value);
    fclose(f);
}

static int find_step(const char *build_dir, const char *commit, double *value)
{
    char path[PATH_MAX + 40], line[256];
    steps_path(build_dir, path, sizeof path);
    FILE *f = fopen(path, "r");
    int found = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char *tab = strchr(line, '\t');
        if (tab != NULL && (size_t)(tab - line) == strlen(commit) &&
            strncmp(line, commit, strlen(commit)) == 0) {
            *value = strtod(tab + 1, NULL);
            found = 1;
        }
    }
    if (f != NULL)
        fclose(f);
    return found;
}

int beex_history_bisect_check_bench(const char *bench, char *err, size_t errlen)
{
    const char *names[512];
    size_t n = beex_history_bench_names(names, 512);
    if (n > 512)
        n = 512;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], bench) == 0 && strncmp(bench, "timed/", 6) != 0)
            return 0;
    size_t at = (size_t)snprintf(err, errlen,
                                 "'%s' is not a counted bench (timed ones move with the host and "
                                 "cannot be bisected); the counted benches are:",
                                 bench);
    for (size_t i = 0; i < n && at < errlen; i++)
        if (strncmp(names[i], "timed/", 6) != 0)
            at += (size_t)snprintf(err + at, errlen - at, "\n  %s", names[i]);
    return -1;
}

int beex_history_bisect_step(const char *worktree, const char *build_dir, const char *bench,
                             const char *metric, double good_value, double threshold)
{
    char commit[64], why[1024];
    char *head[] = {"git", "-C", (char *)worktree, "rev-parse", "HEAD", NULL};
    if (capture(head, NULL, commit, sizeof commit) != 0) {
        fprintf(stderr, "beex history bisect: %s is not a git work tree\n", worktree);
        return 128;
    }
    double v = 0;
    int rc = build_and_measure(worktree, build_dir, bench, metric, &v, why, sizeof why);
    if (rc != 0) {
        fprintf(stderr, "beex history bisect: %.12s %s: %s\n", commit,
                rc > 0 ? "skipped" : "aborting", why);
        return rc > 0 ? 125 : 128;
    }
    note_step(build_dir, commit, v);
    int bad = v > good_value * (1 + threshold);
    fprintf(stderr, "beex history bisect: %.12s %s %.0f (%+.2f %% against GOOD): %s\n", commit,
            metric, v, good_value > 0 ? 100 * (v / good_value - 1) : 0.0, bad ? "bad" : "good");
    return bad;
}

/* --- the bisect --------------------------------------------------------------------- */

/* An absolute path for a folder that may not exist yet (git and cmake run elsewhere). */
static int absolute(const char *path, char *out, size_t len)
{
    char cwd[PATH_MAX];
    if (path[0] == '/')
        return snprintf(out, len, "%s", path) < (int)len ? 0 : -1;
    if (getcwd(cwd, sizeof cwd) == NULL)
        return -1;
    return snprintf(out, len, "%s/%s", cwd, path) < (int)len ? 0 : -1;
}

static int resolve(const char *top, const char *rev, char out[41], char *err, size_t errlen)
{
    char spec[512], buf[128];
    snprintf(spec, sizeof spec, "%s^{commit}", rev);
    char *argv[] = {"git",      "-C",      (char *)top,        "rev-parse",
                    "--verify", "--quiet", "--end-of-options", spec,
                    NULL};
    if (capture(argv, NULL, buf, sizeof buf) != 0 || strlen(buf) != 40) {
        snprintf(err, errlen, "'%s' is not a commit of %s", rev, top);
        return -1;
    }
    memcpy(out, buf, 41);
    return 0;
}

/* Checks the arguments and fills the paths. Returns 0, or 2 (bad arguments), -1 on error. */
static int prepare(const beex_history_bisect_opts *o, char *top, char *good, char *bad, char *wt,
                   char *bd, char *err, size_t errlen)
{
    char *show[] = {"git", "-C", (char *)o->repo, "rev-parse", "--show-toplevel", NULL};
    if (capture(show, NULL, top, PATH_MAX) != 0 || top[0] == '\0') {
        snprintf(err, errlen, "%s is not inside a git work tree", o->repo);
        return 2;
    }
    if (resolve(top, o->good, good, err, errlen) != 0 ||
        resolve(top, o->bad, bad, err, errlen) != 0)
        return 2;
    if (strcmp(good, bad) == 0) {
        snprintf(err, errlen, "GOOD and BAD are the same commit (%.12s)", good);
        return 2;
    }
    int anc = git(top, NULL, 1, "merge-base", "--is-ancestor", good, bad, (char *)NULL);
    if (anc == 1) {
        snprintf(err, errlen,
                 "GOOD %s (%.12s) is not an ancestor of BAD %s (%.12s): give the older, "
                 "good commit first (are they swapped?)",
                 o->good, good, o->bad, bad);
        return 2;
    }
    if (anc != 0) {
        snprintf(err, errlen, "git merge-base --is-ancestor failed in %s", top);
        return -1;
    }
    char def[PATH_MAX + 64];
    snprintf(def, sizeof def, "%s/build/history-bisect-worktree", top);
    if (absolute(o->worktree != NULL ? o->worktree : def, wt, PATH_MAX) != 0)
        return say(2, err, errlen, "--worktree: path too long");
    snprintf(def, sizeof def, "%s/build/history-bisect-build", top);
    if (absolute(o->build_dir != NULL ? o->build_dir : def, bd, PATH_MAX) != 0)
        return say(2, err, errlen, "--build-dir: path too long");
    struct stat st;
    if (stat(wt, &st) == 0) {
        snprintf(err, errlen,
                 "the scratch work tree %s exists (left by an interrupted run? `git worktree "
                 "remove --force %s`), or give a new --worktree",
                 wt, wt);
        return 2;
    }
    if (beex_mkdir_p(bd, err, errlen) != 0)
        return -1;
    char built[PATH_MAX + 8];
    snprintf(built, sizeof built, "%s/beex", bd);
    if (beex_same_file(o->self, built)) {
        snprintf(err, errlen, "--build-dir %s holds this beex program, which each step rebuilds",
                 bd);
        return 2;
    }
    return 0;
}

/* Reads git bisect run's output for the first bad commit; 0 found, -1 with err. */
static int parse_run(const char *log, int run_rc, char commit[41], char *err, size_t errlen)
{
    FILE *f = fopen(log, "r");
    char line[1024];
    int found = 0, skipped = 0;
    size_t at = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strstr(line, " is the first bad commit") != NULL &&
            strspn(line, "0123456789abcdef") == 40) {
            memcpy(commit, line, 40);
            commit[40] = '\0';
            found = 1;
        } else if (strstr(line, "first bad commit could be any of") != NULL) {
            skipped = 1;
            at = (size_t)snprintf(err, errlen,
                                  "only commits that do not build or cannot run the bench are "
                                  "left; the first bad commit is one of:");
        } else if (skipped && strspn(line, "0123456789abcdef") == 40 && at < errlen) {
            at += (size_t)snprintf(err + at, errlen - at, " %.12s", line);
        }
    }
    if (f != NULL)
        fclose(f);
    if (found)
        return 0;
    if (!skipped)
        snprintf(err, errlen, "git bisect run found no first bad commit (exit %d); see %s", run_rc,
                 log);
    return -1;
}

/* Measures GOOD and BAD, then runs the bisect. Returns as beex_history_bisect_run. */
static int bisect_in(const beex_history_bisect_opts *o, const char *top, const char *good,
                     const char *bad, const char *wt, const char *bd, const char *gitlog,
                     beex_history_bisect_result *res, char *err, size_t errlen)
{
    char why[1024];
    const char *rev[2] = {good, bad}, *name[2] = {"GOOD", "BAD"};
    double *val[2] = {&res->good_value, &res->bad_value};
    for (int k = 0; k < 2; k++) {
        if (k == 1 && git(wt, gitlog, 1, "checkout", "--detach", "-q", bad, (char *)NULL) != 0)
            return say(-1, err, errlen, "git checkout %.12s failed; see %s", bad, gitlog);
        int rc = build_and_measure(wt, bd, o->bench, o->metric, val[k], why, sizeof why);
        if (caught_signal)
            return 130;
        if (rc != 0)
            return say(-1, err, errlen, "%s %.12s %s", name[k], rev[k], why);
        note_step(bd, rev[k], *val[k]);
        fprintf(stderr, "beex history bisect: %s %.12s: %s %s %.0f\n", name[k], rev[k], o->bench,
                o->metric, *val[k]);
    }
    res->first_value = res->bad_value;
    double limit = res->good_value * (1 + o->threshold);
    if (!(res->bad_value > limit)) {
        snprintf(err, errlen,
                 "nothing to bisect: BAD %.12s is not slower than GOOD %.12s by more than %g %% "
                 "(%s %s %.0f -> %.0f, %+.2f %%)",
                 bad, good, 100 * o->threshold, o->bench, o->metric, res->good_value,
                 res->bad_value, 100 * (res->bad_value / res->good_value - 1));
        return 1;
    }
    if (git(wt, gitlog, 1, "bisect", "start", bad, good, (char *)NULL) != 0)
        return say(-1, err, errlen, "git bisect start failed; see %s", gitlog);
    char goodv[64], thr[64], runlog[PATH_MAX + 32];
    snprintf(goodv, sizeof goodv, "%.17g", res->good_value);
    snprintf(thr, sizeof thr, "%.17g", o->threshold);
    snprintf(runlog, sizeof runlog, "%s/history-bisect-run.log", bd);
    FILE *f = fopen(runlog, "w");
    if (f == NULL || fclose(f) != 0)
        return say(-1, err, errlen, "cannot write %s: %s", runlog, strerror(errno));
    /* The step's own stderr stays on the terminal: one line per tested commit. */
    char *run[] = {"git",
                   "-C",
                   (char *)wt,
                   "bisect",
                   "run",
                   (char *)o->self,
                   "history",
                   "bisect",
                   "--step",
                   "--bench",
                   (char *)o->bench,
                   "--metric",
                   (char *)o->metric,
                   "--good-value",
                   goodv,
                   "--threshold",
                   thr,
                   "--build-dir",
                   (char *)bd,
                   "--worktree",
                   (char *)wt,
                   NULL};
    int rc = run_cmd(run, NULL, runlog, 0, 1, -1);
    if (caught_signal)
        return 130;
    if (parse_run(runlog, rc, res->commit, err, errlen) != 0)
        return -1;
    char *subj[] = {"git", "-C", (char *)top, "log", "-1", "--format=%s", res->commit, NULL};
    if (capture(subj, NULL, res->subject, sizeof res->subject) != 0)
        res->subject[0] = '\0';
    find_step(bd, res->commit, &res->first_value);
    return 0;
}

int beex_history_bisect_run(const beex_history_bisect_opts *o, beex_history_bisect_result *res,
                            char *err, size_t errlen)
{
    char top[PATH_MAX], wt[PATH_MAX], bd[PATH_MAX], good[41], bad[41];
    memset(res, 0, sizeof *res);
    int rc = prepare(o, top, good, bad, wt, bd, err, errlen);
    if (rc != 0)
        return rc;
    char gitlog[PATH_MAX + 32], steps[PATH_MAX + 40];
    snprintf(gitlog, sizeof gitlog, "%s/history-bisect-git.log", bd);
    steps_path(bd, steps, sizeof steps);
    FILE *f = fopen(gitlog, "w");
    if (f == NULL || fclose(f) != 0 || ((f = fopen(steps, "w")) == NULL || fclose(f) != 0)) {
        snprintf(err, errlen, "cannot write in %s: %s", bd, strerror(errno));
        return -1;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: waitpid returns, the cleanup below runs */
    sigemptyset(&sa.sa_mask);
    caught_signal = 0;
    own_groups = 1;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    git(top, gitlog, 1, "worktree", "prune", (char *)NULL); /* a folder deleted by hand */
    if (git(top, gitlog, 1, "worktree", "add", "--detach", wt, good, (char *)NULL) != 0) {
        snprintf(err, errlen, "git worktree add %s failed; see %s", wt, gitlog);
        rc = -1;
    } else {
        rc = bisect_in(o, top, good, bad, wt, bd, gitlog, res, err, errlen);
        /* Always: the bisect state and the scratch tree go, whatever happened above. */
        if (git(wt, gitlog, 0, "bisect", "reset", (char *)NULL) != 0)
            fprintf(stderr, "beex history bisect: warning: git bisect reset failed in %s\n", wt);
        if (git(top, gitlog, 0, "worktree", "remove", "--force", wt, (char *)NULL) != 0)
            fprintf(stderr, "beex history bisect: warning: could not remove the work tree %s\n",
                    wt);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (caught_signal) {
        snprintf(err, errlen, "interrupted; the bisect was reset and %s removed", wt);
        return 130;
    }
    return rc;
}
