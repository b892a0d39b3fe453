/* Atomic results files (harness/base/atomic_file.c): a commit whose rename fails is an error
 * naming the file and leaves no temporary file; which paths may receive a results file; a
 * symlinked target is replaced through the link, which stays a link. Each case works in its
 * own fresh directory. Failures are provoked without permissions (the tests may run as root,
 * who may write anywhere): a directory appears at the target between open and commit, and
 * rename(2) cannot put a file over a directory. */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/base/atomic_file.h"

/* A fresh empty directory for one case. */
static void make_dir(char *dir, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/beex_atomic_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
}

/* Names in dir containing ".tmp." (what beex_atomic_open creates). */
static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void expect_text(const char *path, const char *want)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    assert_string_equal(buf, want);
}

/* rm -r of the one level these cases create. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char p[PATH_MAX];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            remove_dir(p);
        } else {
            assert_int_equal(unlink(p), 0);
        }
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

static void test_commit_writes_whole_file(void **state)
{
    (void)state;
    char dir[256], path[PATH_MAX], err[512] = "";
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.json", dir);
    write_text(path, "previous");
    beex_atomic_file af;
    assert_int_equal(beex_atomic_open(&af, path, err, sizeof err), 0);
    assert_int_equal(count_tmp_files(dir), 1);
    expect_text(path, "previous"); /* nothing replaced before the commit */
    fputs("new contents", af.f);
    assert_int_equal(beex_atomic_commit(&af, err, sizeof err), 0);
    expect_text(path, "new contents");
    assert_int_equal(count_tmp_files(dir), 0);
    assert_null(af.f);
    remove_dir(dir);
}

/* The target becomes a non-empty directory after the open: the checks done at open time
 * passed, the write succeeds, and only rename(2) can fail (EISDIR). */
static void test_failed_rename_is_an_error_and_leaves_no_tmp(void **state)
{
    (void)state;
    char dir[256], path[PATH_MAX], inner[PATH_MAX + 16], err[512] = "";
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/results.json", dir);
    beex_atomic_file af;
    assert_int_equal(beex_atomic_open(&af, path, err, sizeof err), 0);
    fputs("{}\n", af.f);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", path);
    write_text(inner, "kept");

    err[0] = '\0';
    assert_int_equal(beex_atomic_commit(&af, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "cannot rename"));
    assert_int_equal(count_tmp_files(dir), 0);
    /* The directory that was in the way is untouched. */
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    expect_text(inner, "kept");
    assert_null(af.tmp_path);
    remove_dir(dir);
}

static void test_abort_removes_tmp(void **state)
{
    (void)state;
    char dir[256], path[PATH_MAX], err[512] = "";
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    beex_atomic_file af;
    assert_int_equal(beex_atomic_open(&af, path, err, sizeof err), 0);
    fputs("partial", af.f);
    beex_atomic_abort(&af);
    assert_int_equal(count_tmp_files(dir), 0);
    assert_int_equal(access(path, F_OK), -1);
    remove_dir(dir);
}

static void test_check_output_file(void **state)
{
    (void)state;
    char dir[256], p[PATH_MAX], err[512];
    make_dir(dir, sizeof dir);

    /* Absent, in an existing directory: accepted. */
    snprintf(p, sizeof p, "%s/new.json", dir);
    assert_int_equal(beex_check_output_file(p, err, sizeof err), 0);
    /* A regular file: accepted. */
    snprintf(p, sizeof p, "%s/regular.json", dir);
    write_text(p, "x");
    assert_int_equal(beex_check_output_file(p, err, sizeof err), 0);

    /* A directory: refused, naming it. */
    snprintf(p, sizeof p, "%s/sub", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    err[0] = '\0';
    assert_int_equal(beex_check_output_file(p, err, sizeof err), -1);
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, "is a directory"));
    /* A FIFO: refused (and the check must not open it, which would block without a writer). */
    snprintf(p, sizeof p, "%s/fifo", dir);
    assert_int_equal(mkfifo(p, 0644), 0);
    err[0] = '\0';
    assert_int_equal(beex_check_output_file(p, err, sizeof err), -1);
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, "not a regular file"));
    /* A symlink to a directory: refused like the directory. */
    snprintf(p, sizeof p, "%s/link_to_sub", dir);
    assert_int_equal(symlink("sub", p), 0);
    assert_int_equal(beex_check_output_file(p, err, sizeof err), -1);
    assert_non_null(strstr(err, "is a directory"));
    /* A symlink to a regular file: accepted. */
    snprintf(p, sizeof p, "%s/link_to_regular", dir);
    assert_int_equal(symlink("regular.json", p), 0);
    assert_int_equal(beex_check_output_file(p, err, sizeof err), 0);
    /* A directory that does not exist: refused, naming it. */
    snprintf(p, sizeof p, "%s/missing/out.json", dir);
    err[0] = '\0';
    assert_int_equal(beex_check_output_file(p, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not exist"));
    /* No name at all. */
    assert_int_equal(beex_check_output_file("", err, sizeof err), -1);
    remove_dir(dir);
}

/* Writing through a symlink replaces its target's contents; the link itself stays a link to
 * the same name, and no temporary file is left beside either. */
static void test_commit_through_symlink_keeps_link(void **state)
{
    (void)state;
    char dir[256], target[PATH_MAX], link[PATH_MAX], err[512] = "";
    make_dir(dir, sizeof dir);
    snprintf(target, sizeof target, "%s/target.json", dir);
    snprintf(link, sizeof link, "%s/latest.json", dir);
    write_text(target, "old");
    assert_int_equal(symlink("target.json", link), 0);

    beex_atomic_file af;
    assert_int_equal(beex_atomic_open(&af, link, err, sizeof err), 0);
    fputs("new", af.f);
    assert_int_equal(beex_atomic_commit(&af, err, sizeof err), 0);

    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char to[PATH_MAX];
    ssize_t k = readlink(link, to, sizeof to - 1);
    assert_true(k > 0);
    to[k] = '\0';
    assert_string_equal(to, "target.json");
    assert_int_equal(lstat(target, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    expect_text(target, "new");
    expect_text(link, "new");
    assert_int_equal(count_tmp_files(dir), 0);
    remove_dir(dir);
}

/* The temporary file is created exclusively: a symlink planted at the name the old code
 * predicted ("<path>.tmp.<pid>") and at every "<path>.tmp.<pid>.*" is neither followed nor
 * written through; the commit still replaces path, and the planted links are untouched. */
static void test_planted_symlink_at_tmp_name_is_not_followed(void **state)
{
    (void)state;
    char dir[256], path[PATH_MAX], victim[PATH_MAX], planted[PATH_MAX + 64], err[512] = "";
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.json", dir);
    snprintf(victim, sizeof victim, "%s/victim.txt", dir);
    snprintf(planted, sizeof planted, "%s.tmp.%ld", path, (long)getpid());
    write_text(path, "old");
    write_text(victim, "precious");
    assert_int_equal(symlink(victim, planted), 0);

    beex_atomic_file af;
    assert_int_equal(beex_atomic_open(&af, path, err, sizeof err), 0);
    assert_string_not_equal(af.tmp_path, planted);
    struct stat st;
    assert_int_equal(lstat(af.tmp_path, &st), 0);
    assert_true(S_ISREG(st.st_mode)); /* a new file, not a link */
    fputs("new", af.f);
    assert_int_equal(beex_atomic_commit(&af, err, sizeof err), 0);
    expect_text(victim, "precious");
    expect_text(path, "new");
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(lstat(planted, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* The new file has the mode fopen would give it: 0666 less the umask. */
    mode_t mask = umask(022);
    umask(mask);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_writes_whole_file),
        cmocka_unit_test(test_failed_rename_is_an_error_and_leaves_no_tmp),
        cmocka_unit_test(test_abort_removes_tmp),
        cmocka_unit_test(test_check_output_file),
        cmocka_unit_test(test_commit_through_symlink_keeps_link),
        cmocka_unit_test(test_planted_symlink_at_tmp_name_is_not_followed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
