#define _XOPEN_SOURCE 700
#include "harness/app/study/study_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int beex_study_lock(const char *path, int *fd, char *err, size_t errlen)
{
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0) {
        snprintf(err, errlen, "%s: cannot create lock file: %s", path, strerror(errno));
        return -1;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
        return 1;
    int e = errno;
    close(*fd);
    *fd = -1;
    if (e == EWOULDBLOCK)
        return 0;
    snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
    return -1;
}

void beex_study_unlock(int fd, const char *path, int remove)
{
    if (fd < 0)
        return;
    if (remove)
        unlink(path);
    close(fd); /* releases the flock */
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int beex_remove_tree(const char *path)
{
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT ? 0 : -1;
}

void beex_study_clean_stale(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    size_t n = strlen(name);
    struct dirent *e;
    char p[4400];
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, name, n) != 0 || (strncmp(e->d_name + n, ".partial-", 9) != 0 &&
                                                 strncmp(e->d_name + n, ".replaced-", 10) != 0))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (beex_remove_tree(p) != 0)
            fprintf(stderr, "beex study: cannot remove the abandoned folder %s\n", p);
    }
    closedir(d);
}

int beex_study_log_append(const char *path, const char *line, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(line);
    ssize_t w = write(fd, line, len);
    int e = errno;
    if (close(fd) != 0 && w == (ssize_t)len) {
        w = -1;
        e = errno;
    }
    if (w != (ssize_t)len) {
        snprintf(err, errlen, "%s: write failed: %s", path, w < 0 ? strerror(e) : "short write");
        return -1;
    }
    return 0;
}

void beex_study_process_tag(char *out, size_t len)
{
    char host[64] = "host";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    for (char *h = host; *h; h++)
        if (*h == '/' || *h == ' ' || *h == '.')
            *h = '_';
    snprintf(out, len, "%s-%ld", host, (long)getpid());
}
