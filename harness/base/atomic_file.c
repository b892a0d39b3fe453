#include "harness/base/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness/base/prng.h"

#define MAX_TRACKED 16
static char *volatile tracked[MAX_TRACKED];

static void track(char *p)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i] == NULL) {
            tracked[i] = p;
            return;
        }
}

static void untrack(const char *p)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i] == p)
            tracked[i] = NULL;
}

int beex_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a != NULL && b != NULL && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A run's staging directory (run_dir.h): on a signal its files and itself are removed, so
 * an interrupted run leaves no folder. */
static char tracked_dir[4300];
static volatile sig_atomic_t have_tracked_dir;

void beex_atomic_track_dir(const char *dir)
{
    have_tracked_dir = 0;
    if (dir != NULL && strlen(dir) < sizeof tracked_dir) {
        memcpy(tracked_dir, dir, strlen(dir) + 1);
        have_tracked_dir = 1;
    }
}

/* Only raw system calls here (open, getdents64, unlinkat, rmdir): async-signal-safe. */
static void remove_tracked_dir(void)
{
    if (!have_tracked_dir)
        return;
    int fd = open(tracked_dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        char buf[4096];
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
            for (long off = 0; off < n;) {
                struct {
                    unsigned long long ino;
                    long long off;
                    unsigned short reclen;
                    unsigned char type;
                    char name[];
                } *d = (void *)(buf + off);
                if (strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0)
                    unlinkat(fd, d->name, 0);
                off += d->reclen;
            }
        close(fd);
    }
    rmdir(tracked_dir);
}

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i] != NULL)
            unlink(tracked[i]); /* async-signal-safe */
    remove_tracked_dir();
    static const char msg[] = "\nbeex: interrupted; partial results removed\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(sig == SIGINT ? 130 : 128 + sig);
}

void beex_atomic_install_signal_cleanup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int beex_check_output_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (path == NULL || path[0] == '\0') {
        snprintf(err, errlen, "empty output file name");
        return -1;
    }
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: is a directory; give a file name", path);
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen,
                     "%s: is not a regular file (a device, FIFO or socket); give a file name",
                     path);
            return -1;
        }
    } else if (errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    const char *dir = dirname(buf);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: directory %s does not exist", path, dir);
        return -1;
    }
    if (access(dir, W_OK) != 0) {
        snprintf(err, errlen, "%s: directory %s is not writable: %s", path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Creates "<path>.tmp.<pid>.<nonce>" exclusively (O_CREAT | O_EXCL | O_NOFOLLOW): a file or
 * symlink planted at a predictable name is never opened or followed, only stepped around.
 * Same directory as path, so the rename stays atomic; mode 0666 less the umask, as fopen's.
 * Returns the stream, or NULL with errno set. */
static FILE *create_tmp(const char *path, char *tmp, size_t n)
{
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ (uintptr_t)tmp;
    for (int attempt = 0; attempt < 64; attempt++) {
        s = beex_mix64(s + ++counter);
        snprintf(tmp, n, "%s.tmp.%ld.%08x", path, (long)getpid(), (unsigned)(s & 0xffffffffu));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return NULL;
        FILE *f = fdopen(fd, "w");
        if (f == NULL) {
            int saved = errno;
            close(fd);
            unlink(tmp);
            errno = saved;
        }
        return f;
    }
    errno = EEXIST;
    return NULL;
}

int beex_atomic_open(beex_atomic_file *af, const char *path, char *err, size_t errlen)
{
    memset(af, 0, sizeof *af);
    if (beex_check_output_file(path, err, errlen) != 0)
        return -1;
    /* A symlink is followed, even one whose target does not exist yet: write next to the
     * target and rename over it, so that the link stays. */
    char resolved[PATH_MAX], link[PATH_MAX], dir[PATH_MAX];
    struct stat lst;
    snprintf(resolved, sizeof resolved, "%s", path);
    for (int depth = 0; depth < 8 && lstat(resolved, &lst) == 0 && S_ISLNK(lst.st_mode); depth++) {
        ssize_t k = readlink(resolved, link, sizeof link - 1);
        if (k <= 0)
            break;
        link[k] = '\0';
        snprintf(dir, sizeof dir, "%s", resolved);
        if (link[0] == '/' || snprintf(resolved, sizeof resolved, "%s/%s", dirname(dir), link) >=
                                  (int)sizeof resolved)
            snprintf(resolved, sizeof resolved, "%s", link);
    }
    if (strcmp(resolved, path) != 0) {
        if (beex_check_output_file(resolved, err, errlen) != 0)
            return -1;
        path = resolved;
    }
    size_t n = strlen(path) + 48;
    af->tmp_path = malloc(n);
    af->final_path = strdup(path);
    if (af->tmp_path == NULL || af->final_path == NULL) {
        free(af->tmp_path);
        free(af->final_path);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    af->f = create_tmp(path, af->tmp_path, n);
    if (af->f == NULL) {
        snprintf(err, errlen, "%s: cannot create: %s", af->tmp_path, strerror(errno));
        free(af->tmp_path);
        free(af->final_path);
        af->tmp_path = af->final_path = NULL;
        return -1;
    }
    track(af->tmp_path);
    return 0;
}

void beex_atomic_abort(beex_atomic_file *af)
{
    if (af->f != NULL)
        fclose(af->f);
    if (af->tmp_path != NULL) {
        untrack(af->tmp_path);
        unlink(af->tmp_path);
    }
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
}

int beex_atomic_commit(beex_atomic_file *af, char *err, size_t errlen)
{
    int bad = ferror(af->f);
    if (!bad && fflush(af->f) != 0)
        bad = 1;
    if (!bad && fsync(fileno(af->f)) != 0)
        bad = 1;
    int saved = errno;
    if (fclose(af->f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    af->f = NULL;
    if (bad) {
        snprintf(err, errlen, "%s: write failed: %s", af->final_path,
                 saved ? strerror(saved) : "I/O error");
        beex_atomic_abort(af);
        return -1;
    }
    if (rename(af->tmp_path, af->final_path) != 0) {
        snprintf(err, errlen, "%s: cannot rename into place: %s", af->final_path, strerror(errno));
        beex_atomic_abort(af);
        return -1;
    }
    untrack(af->tmp_path);
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
    return 0;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return fwrite(buf, 1, size, (FILE *)data) == size ? 0 : -1;
}

int beex_json_write_atomic(const json_t *doc, const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    if (json_dump_callback(doc, dump_cb, af.f,
                           JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0 ||
        fputc('\n', af.f) == EOF) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        beex_atomic_abort(&af);
        return -1;
    }
    return beex_atomic_commit(&af, err, errlen);
}
