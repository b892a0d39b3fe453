#include "harness/report/run_dir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
