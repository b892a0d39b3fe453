/* Helpers shared by the libFuzzer targets that feed the harness files rather than buffers:
 * splitting one input into several files, a per-process scratch directory, and emptying it
 * between runs. Header-only because CMake builds every tests/fuzz/fuzz_*.c as its own
 * executable. A helper that fails aborts: a broken harness must not pass for a clean run. */
#ifndef BEEX_TESTS_FUZZ_UTIL_H
#define BEEX_TESTS_FUZZ_UTIL_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 0xFF separates the files of one input: it never occurs in valid UTF-8, so every valid TSV,
 * CSV or JSON file can still be expressed, and invalid UTF-8 stays reachable through the
 * other invalid bytes. */
#define FUZZ_SEP 0xFF

typedef struct {
    const uint8_t *p;
    size_t n;
} fuzz_part;

/* Splits data at the first max-1 separators; the last part keeps any further separators.
 * Returns the number of parts (>= 1: an empty input is one empty part). */
static inline int fuzz_split(const uint8_t *data, size_t size, fuzz_part *parts, int max)
{
    int k = 0;
    const uint8_t *p = data, *end = data + size;
    while (k < max - 1) {
        const uint8_t *sep = memchr(p, FUZZ_SEP, (size_t)(end - p));
        if (sep == NULL)
            break;
        parts[k++] = (fuzz_part){p, (size_t)(sep - p)};
        p = sep + 1;
    }
    parts[k++] = (fuzz_part){p, (size_t)(end - p)};
    return k;
}

static inline void fuzz_write(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

static inline void fuzz_path(char *out, size_t len, const char *dir, const char *name)
{
    if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
        abort();
}

/* Removes everything inside dir (recursively), keeping dir itself. */
static inline void fuzz_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        abort();
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[4096];
        fuzz_path(p, sizeof p, dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            fuzz_empty_dir(p);
            if (rmdir(p) != 0)
                abort();
        } else if (unlink(p) != 0) {
            abort();
        }
    }
    closedir(d);
}

/* With BEEX_FUZZ_VERBOSE set, what each stage said, so that a new seed can be checked to
 * reach the path it was written for (`BEEX_FUZZ_VERBOSE=1 build/fuzz/fuzz_x seed`). */
static inline void fuzz_note(const char *stage, int rc, const char *err)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("BEEX_FUZZ_VERBOSE") != NULL;
    if (verbose)
        fprintf(stderr, "%s: %s%s\n", stage, rc == 0 ? "ok" : "refused: ", rc == 0 ? "" : err);
}

static char fuzz_root[4096];

static inline void fuzz_remove_root(void)
{
    if (fuzz_root[0] != '\0') {
        fuzz_empty_dir(fuzz_root);
        rmdir(fuzz_root);
    }
}

/* The process's scratch directory, created on first use under $TMPDIR (default /tmp) and
 * removed at exit; a crash leaves it behind for inspection. */
static inline const char *fuzz_scratch(const char *tag)
{
    if (fuzz_root[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_root, sizeof fuzz_root, "%s/beex-fuzz-%s-XXXXXX",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", tag);
        if (mkdtemp(fuzz_root) == NULL) {
            perror("mkdtemp");
            abort();
        }
        atexit(fuzz_remove_root);
    }
    return fuzz_root;
}

/* Writes root/name to out and creates that directory if it is absent. */
static inline void fuzz_subdir(char *out, size_t len, const char *root, const char *name)
{
    fuzz_path(out, len, root, name);
    if (mkdir(out, 0700) != 0 && access(out, W_OK) != 0) {
        perror(out);
        abort();
    }
}

#endif
