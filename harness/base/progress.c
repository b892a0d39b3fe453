#include "harness/base/progress.h"

#include <stdio.h>
#include <unistd.h>

void beex_progress(const char *what, long done, long total)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    if (total <= 0)
        return;
    if (!tty) {
        if (done == total)
            fprintf(stderr, "%s: %ld/%ld done\n", what, done, total);
        return;
    }
    /* Redraw only when the shown percentage changes: cheap inside hot loops. */
    long pct = done * 100 / total, prev = (done - 1) * 100 / total;
    if (done != 0 && done != total && pct == prev)
        return;
    int width = 30, fill = (int)(done * width / total);
    char bar[31];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r%-28.28s [%s] %3ld%% (%ld/%ld)", what, bar, pct, done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void format_duration(double s, char *out, size_t len)
{
    long t = (long)(s + 0.5);
    if (s < 0)
        snprintf(out, len, "?");
    else if (t >= 3600)
        snprintf(out, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, len, "%lds", t);
}

void beex_progress_eta(const char *what, long done, long total, double eta_seconds)
{
    if (total <= 0 || !isatty(STDERR_FILENO))
        return;
    int width = 30, fill = (int)(done * width / total);
    char bar[31], eta[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    format_duration(eta_seconds, eta, sizeof eta);
    fprintf(stderr, "\r\033[K%-28.28s [%s] %3ld%% (%ld/%ld) ETA %s", what, bar, done * 100 / total,
            done, total, eta);
    fflush(stderr);
}

void beex_progress_clear(void)
{
    if (isatty(STDERR_FILENO)) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
