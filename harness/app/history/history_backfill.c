/* `beex history backfill` end to end (history_backfill.h). */
#include "harness/app/history/history_backfill.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/app/history/history_measure.h"
#include "harness/app/history/history_paths.h"
#include "harness/app/history/history_spawn.h"
#include "harness/report/history_file.h"

/* git's output for argv in dir (trailing newlines removed; free it), or NULL with err. */
static char *git_out(const char *const *argv, char *err, size_t errlen)
{
    char tmpl[] = "/tmp/beex-backfill-git.XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
        return NULL;
    }
    close(fd);
    char *out = beex_spawn_output(argv, NULL, tmpl, err, errlen);
    unlink(tmpl);
    return out;
}

/* The commits to measure, oldest first: rev-list of a range, or the one revision. */
static char *commit_list(const char *top, const char *range, char *err, size_t errlen)
{
    if (range[0] == '-' || range[0] == '\0') {
        snprintf(err, errlen, "'%s' is not a revision range", range); /* git would see an option */
        return NULL;
    }
    char rev[1024];
    if (strstr(range, "..") != NULL) {
        const char *argv[] = {"git", "-C", top, "rev-list", "--reverse", "--first-parent",
                              range, "--", NULL};
        return git_out(argv, err, errlen);
    }
    snprintf(rev, sizeof rev, "%s^{commit}", range);
    const char *argv[] = {"git", "-C", top, "rev-parse", "--verify", "--quiet", rev, NULL};
    return git_out(argv, err, errlen);
}

/* ---- the worktree ------------------------------------------------------------------------- */

static int same_path(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) != NULL && realpath(b, rb) != NULL && strcmp(ra, rb) == 0;
}

/* git's common dir of a work tree, absolute. */
static int common_dir(const char *tree, char *out, size_t len, char *err, size_t errlen)
{
    const char *argv[] = {"git", "-C", tree, "rev-parse", "--git-common-dir", NULL};
    char *dir = git_out(argv, err, errlen);
    if (dir == NULL)
        return -1;
    int n = dir[0] == '/' ? snprintf(out, len, "%s", dir) : snprintf(out, len, "%s/%s", tree, dir);
    int fits = n >= 0 && (size_t)n < len;
    if (!fits) /* a cut path would name another folder */
        snprintf(err, errlen, "%s: git's common dir is too long a path (%d bytes)", tree, n);
    free(dir);
    return fits ? 0 : -1;
}

/* WT is created (git worktree add --detach) when missing; an existing WT must be a linked
 * worktree of the same repository, never some other folder, which checkouts would overwrite. */
static int ensure_worktree(const char *top, const char *wt, const char *first, char *err,
                           size_t errlen)
{
    struct stat st;
    if (lstat(wt, &st) != 0) {
        const char *argv[] = {"git", "-C", top, "worktree", "add", "--detach", wt, first, NULL};
        char *out = git_out(argv, err, errlen);
        if (out == NULL)
            return -1;
        free(out);
        printf("backfill: created the scratch worktree %s\n", wt);
        return 0;
    }
    char dotgit[PATH_MAX + 8], mine[PATH_MAX], theirs[PATH_MAX];
    snprintf(dotgit, sizeof dotgit, "%s/.git", wt);
    struct stat gs;
    if (!S_ISDIR(st.st_mode) || lstat(dotgit, &gs) != 0 || !S_ISREG(gs.st_mode) ||
        common_dir(top, mine, sizeof mine, err, errlen) != 0 ||
        common_dir(wt, theirs, sizeof theirs, err, errlen) != 0 || !same_path(mine, theirs)) {
        snprintf(err, errlen,
                 "--worktree %s exists and is not a worktree of %s (git worktree add); name "
                 "another folder, or remove it",
                 wt, top);
        return -1;
    }
    return 0;
}

/* ---- building ----------------------------------------------------------------------------- */

/* The build's reason to fail: its last compiler error ("error:"), else its last line that
 * says Error (CMake's, make's), else its last line. */
static void last_error_line(const char *log, char *why, size_t len)
{
    FILE *f = fopen(log, "r");
    snprintf(why, len, "the build failed (no log)");
    if (f == NULL)
        return;
    char line[1024], compiler[512] = "", other[512] = "", last[512] = "";
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        snprintf(last, sizeof last, "%.511s", line);
        if (strstr(line, "error:") != NULL)
            snprintf(compiler, sizeof compiler, "%.511s", line);
        else if (strstr(line, "Error") != NULL || strstr(line, "ERROR") != NULL)
            snprintf(other, sizeof other, "%.511s", line);
    }
    fclose(f);
    snprintf(why, len, "%s", compiler[0] ? compiler : other[0] ? other : last);
}

/* "GNU 12.2.0" from the build folder's CMakeFiles/<version>/CMakeCCompiler.cmake. */
static void cmake_compiler(const char *build, char *out, size_t len)
{
    snprintf(out, len, "unknown");
    char dir[PATH_MAX + 24];
    snprintf(dir, sizeof dir, "%s/CMakeFiles", build);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX + 320], line[512], id[64] = "", ver[64] = "";
        snprintf(path, sizeof path, "%s/%s/CMakeCCompiler.cmake", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof line, f) != NULL) {
            sscanf(line, " set(CMAKE_C_COMPILER_ID \"%63[^\"]\")", id);
            sscanf(line, " set(CMAKE_C_COMPILER_VERSION \"%63[^\"]\")", ver);
        }
        fclose(f);
        if (id[0]) {
            snprintf(out, len, "%s%s%s", id, ver[0] ? " " : "", ver);
            break;
        }
    }
    closedir(d);
}

/* Checks COMMIT out in WT and builds target beex in WT/build. Returns 0 built, 1 failed (why),
 * -1 when git or cmake could not be run at all (err). */
static int build_commit(const char *wt, const char *commit, int jobs, char *why, size_t wlen,
                        char *err, size_t errlen)
{
    char build[PATH_MAX + 8], log[PATH_MAX + 40], j[16];
    snprintf(build, sizeof build, "%s/build", wt);
    snprintf(log, sizeof log, "%s/history-build.log", build);
    snprintf(j, sizeof j, "%d", jobs);
    if (mkdir(build, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", build, strerror(errno));
        return -1;
    }
    const char *checkout[] = {"git",      "-C",      wt,     "checkout", "--quiet",
                              "--detach", "--force", commit, NULL};
    /* Old commits may not know BEEX_TESTS: CMake then only warns that it was unused. */
    const char *configure[] = {
        "cmake", "-S", wt, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DBEEX_TESTS=OFF", NULL};
    const char *make[] = {"cmake", "--build", build, "--target", "beex", "-j", j, NULL};
    const char *const *steps[] = {checkout, configure, make};
    for (int s = 0; s < 3; s++) {
        /* Compilers, make and CMake say what went wrong on standard error. */
        beex_spawn_opts so = {steps[s], NULL, 0, NULL, NULL, NULL, log, s > 0, 0, 0};
        beex_spawn_result r;
        if (beex_spawn(&so, &r, err, errlen) != 0)
            return -1;
        if (r.code == 127) {
            snprintf(err, errlen, "cannot run %s (see %s)", steps[s][0], log);
            return -1;
        }
        if (r.code != 0 && s == 0) {
            snprintf(err, errlen, "git checkout %s in %s failed (see %s)", commit, wt, log);
            return -1;
        }
        if (r.code != 0) {
            last_error_line(log, why, wlen);
            return 1;
        }
    }
    return 0;
}

/* ---- one commit --------------------------------------------------------------------------- */

typedef struct {
    const beex_history_backfill_opts *o;
    const char *top, *wt, *history;
    int jobs;
} run_ctx;

/* Builds, measures and appends one commit. Returns 0 measured, 1 build failed, -1 error. */
static int backfill_one(const run_ctx *rc, const char *commit, char *line, size_t llen, char *err,
                        size_t errlen)
{
    char why[1024], compiler[128], build[PATH_MAX + 8], binary[PATH_MAX + 16],
        scratch[PATH_MAX + 32];
    snprintf(build, sizeof build, "%s/build", rc->wt);
    int b = build_commit(rc->wt, commit, rc->jobs, why, sizeof why, err, errlen);
    if (b < 0)
        return -1;
    cmake_compiler(build, compiler, sizeof compiler);
    json_t *rec = beex_history_record_header(rc->top, commit, compiler, err, errlen);
    if (rec == NULL)
        return -1;
    int status = -1;
    if (b > 0) {
        json_object_del(rec, "valgrind");
        json_object_set_new(rec, "build", json_string("failed"));
        json_object_set_new(rec, "why", json_string(why));
        snprintf(line, llen, "build failed: %s", why);
        status = 1;
    } else {
        snprintf(binary, sizeof binary, "%s/beex", build);
        snprintf(scratch, sizeof scratch, "%s/history-scratch", build);
        json_object_set_new(rec, "dirty", json_false());
        json_object_set_new(rec, "build", json_string("ok"));
        beex_history_measure_opts mo = {
            binary, rc->o->only, 1, rc->o->timed, rc->o->reps > 0 ? rc->o->reps : 9, scratch, 0};
        if (beex_history_measure(&mo, rec, err, errlen) != 0)
            goto done;
        snprintf(line, llen, "measured: %zu counts, %zu timed, %zu absent",
                 json_object_size(json_object_get(rec, "counts")),
                 json_object_size(json_object_get(rec, "timed")),
                 json_object_size(json_object_get(rec, "absent")));
        status = 0;
    }
    if (beex_history_append(rc->history, rec, err, errlen) != 0)
        status = -1;
done:
    json_decref(rec);
    return status;
}

/* ---- the run ------------------------------------------------------------------------------ */

static int absolute(const char *path, char *out, size_t len, char *err, size_t errlen)
{
    if (path[0] == '/') {
        snprintf(out, len, "%s", path);
        return 0;
    }
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) {
        snprintf(err, errlen, "getcwd: %s", strerror(errno));
        return -1;
    }
    int n = snprintf(out, len, "%s/%s", cwd, path);
    if (n < 0 || (size_t)n >= len) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    return 0;
}

/* The repository's top folder, the history's path and contents, and the commits. */
static int prepare(const beex_history_backfill_opts *o, char *top, char *history, size_t len,
                   char *machine, size_t mlen, beex_history *h, char **list, char *err,
                   size_t errlen)
{
    const char *argv[] = {"git", "-C", o->repo, "rev-parse", "--show-toplevel", NULL};
    char *t = git_out(argv, err, errlen);
    if (t == NULL)
        return -1;
    snprintf(top, len, "%s", t);
    free(t);
    *list = commit_list(top, o->range, err, errlen);
    if (*list == NULL)
        return -1;
    if ((*list)[0] == '\0') {
        snprintf(err, errlen, "%s names no commits", o->range);
        return -1;
    }
    char first[41];
    snprintf(first, sizeof first, "%.40s", *list);
    json_t *hdr = beex_history_record_header(top, first, NULL, err, errlen);
    if (hdr == NULL)
        return -1;
    snprintf(machine, mlen, "%s",
             json_string_value(json_object_get(json_object_get(hdr, "machine"), "fingerprint")));
    int rc = 0;
    if (o->history != NULL)
        rc = absolute(o->history, history, len, err, errlen);
    else
        rc = beex_history_default_path(top, hdr, history, len, err, errlen);
    json_decref(hdr);
    if (rc != 0)
        return -1;
    return beex_history_read(history, 1, h, err, errlen);
}

int beex_history_backfill_run(const beex_history_backfill_opts *o,
                              beex_history_backfill_counts *counts, char *err, size_t errlen)
{
    memset(counts, 0, sizeof *counts);
    char top[PATH_MAX], history[PATH_MAX], wt[PATH_MAX], machine[128];
    beex_history h = {NULL, 0};
    char *list = NULL;
    int status = -1;
    if (prepare(o, top, history, sizeof top, machine, sizeof machine, &h, &list, err, errlen) != 0)
        goto done;
    if (o->worktree != NULL) {
        if (absolute(o->worktree, wt, sizeof wt, err, errlen) != 0)
            goto done;
    } else {
        int n = snprintf(wt, sizeof wt, "%s/build/history-worktree", top);
        if (n < 0 || (size_t)n >= sizeof wt) {
            snprintf(err, errlen, "%s: path too long", top);
            goto done;
        }
    }
    int total = 0;
    for (const char *p = list; *p; p++)
        total += *p == '\n';
    counts->total = total + 1;
    char first[41];
    snprintf(first, sizeof first, "%.40s", list);
    if (ensure_worktree(top, wt, first, err, errlen) != 0)
        goto done;
    run_ctx rc = {o, top, wt, history, o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN)};
    if (rc.jobs < 1)
        rc.jobs = 1;
    int i = 0;
    for (char *save, *c = strtok_r(list, "\n", &save); c != NULL; c = strtok_r(NULL, "\n", &save)) {
        i++;
        char line[1200];
        if (beex_history_find(&h, c, machine) >= 0) {
            counts->skipped++;
            printf("[%d/%d] %.12s skipped: already in %s\n", i, counts->total, c, history);
            fflush(stdout);
            continue;
        }
        int r = backfill_one(&rc, c, line, sizeof line, err, errlen);
        if (r < 0)
            goto done;
        counts->measured += r == 0;
        counts->failed += r == 1;
        printf("[%d/%d] %.12s %s\n", i, counts->total, c, line);
        fflush(stdout);
    }
    if (counts->measured + counts->failed == 0)
        printf("backfill: nothing to measure: all %d commits of %s are in %s\n", counts->total,
               o->range, history);
    else
        printf("backfill: %d measured, %d failed to build, %d skipped (already in %s)\n",
               counts->measured, counts->failed, counts->skipped, history);
    status = 0;
done:
    beex_history_free(&h);
    free(list);
    return status;
}
