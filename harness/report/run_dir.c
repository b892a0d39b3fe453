/* nftw() and its FTW_DEPTH / FTW_PHYS flags are XSI. */
#define _XOPEN_SOURCE 700

#include "harness/report/run_dir.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/base/atomic_file.h"

int beex_mkdir_p(const char *dir, char *err, size_t errlen)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        snprintf(err, errlen, "directory name too long");
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: cannot create directory: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    }
    return 0;
}

void beex_default_run_dir(char *out, size_t len, const char *kind, const char *task,
                          const char *precision, const char *suffix)
{
    /* The task may be a path: use its last component. */
    const char *base = task;
    size_t blen = strlen(task);
    while (blen > 1 && task[blen - 1] == '/')
        blen--;
    for (size_t i = 0; i < blen; i++)
        if (task[i] == '/')
            base = task + i + 1;
    int tlen = (int)(task + blen - base);
    char host[64] = "host";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    for (char *h = host; *h; h++)
        if (*h == '/' || *h == ' ')
            *h = '_';
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(out, len, "results/runs/%s-%.*s-%s-%s-%s%s%s", kind, tlen, base, precision, host,
             stamp, suffix ? "-" : "", suffix ? suffix : "");
}

void beex_run_id(char *out, size_t len)
{
    uint32_t r = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    int got = f != NULL && fread(&r, sizeof r, 1, f) == 1;
    if (f != NULL)
        fclose(f);
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        ts.tv_sec = time(NULL);
        ts.tv_nsec = 0;
    }
    if (!got)
        r = ((uint32_t)getpid() * 2654435761u) ^ (uint32_t)ts.tv_nsec;
    struct tm tm;
    char stamp[32] = "00000000T000000Z";
    if (gmtime_r(&ts.tv_sec, &tm) != NULL)
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(out, len, "%s-%08x", stamp, (unsigned)r);
}

/* 1 when dir holds no entry but . and .., 0 otherwise, -1 when it cannot be read. */
static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

int beex_run_dir_stage(const char *final, int overwrite, char *staging, size_t len, char *err,
                       size_t errlen)
{
    struct stat st;
    if (lstat(final, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: exists and is not a directory", final);
            return -1;
        }
        int empty = dir_is_empty(final);
        if (empty < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", final, strerror(errno));
            return -1;
        }
        if (!empty && !overwrite) {
            snprintf(err, errlen,
                     "%s: already holds files (an earlier run?); choose another --out or pass "
                     "--overwrite",
                     final);
            return -1;
        }
    } else if (errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", final, strerror(errno));
        return -1;
    }
    char parent[4096];
    if (snprintf(parent, sizeof parent, "%s", final) >= (int)sizeof parent ||
        snprintf(staging, len, "%s.partial-%ld", final, (long)getpid()) >= (int)len) {
        snprintf(err, errlen, "%s: directory name too long", final);
        return -1;
    }
    if (beex_mkdir_p(dirname(parent), err, errlen) != 0)
        return -1;
    if (mkdir(staging, 0777) != 0) {
        snprintf(err, errlen, "%s: cannot create directory: %s", staging, strerror(errno));
        return -1;
    }
    beex_atomic_track_dir(staging);
    return 0;
}

/* nftw callback: removes each entry after its contents (FTW_DEPTH), never following a link. */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

/* Recursive: a replaced run folder can hold sub-folders (plots/ written by plots/plot.sh),
 * which a flat unlink loop left behind as <out>.replaced-PID. */
void beex_run_dir_abandon(const char *staging)
{
    beex_atomic_track_dir(NULL);
    nftw(staging, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int beex_run_dir_commit(const char *staging, const char *final, int overwrite, int pick_new_name,
                        char *used, size_t usedlen, char *err, size_t errlen)
{
    char target[4200];
    snprintf(target, sizeof target, "%s", final);
    for (int attempt = 2;; attempt++) {
        struct stat st;
        /* rename() replaces an empty directory by itself; a full one needs moving aside. */
        if (overwrite && lstat(target, &st) == 0 && S_ISDIR(st.st_mode) &&
            dir_is_empty(target) == 0) {
            char old[4400];
            snprintf(old, sizeof old, "%s.replaced-%ld", target, (long)getpid());
            if (rename(target, old) != 0) {
                snprintf(err, errlen, "%s: cannot move the earlier run aside: %s", target,
                         strerror(errno));
                return -1;
            }
            if (rename(staging, target) != 0) {
                snprintf(err, errlen, "%s: cannot rename %s into place: %s", target, staging,
                         strerror(errno));
                rename(old, target);
                return -1;
            }
            beex_run_dir_abandon(old);
            break;
        }
        if (rename(staging, target) == 0)
            break;
        if ((errno == EEXIST || errno == ENOTEMPTY) && pick_new_name && attempt < 100) {
            snprintf(target, sizeof target, "%s-%d", final, attempt);
            continue;
        }
        snprintf(err, errlen, "%s: cannot rename %s into place: %s", target, staging,
                 strerror(errno));
        return -1;
    }
    beex_atomic_track_dir(NULL);
    snprintf(used, usedlen, "%s", target);
    return 0;
}
