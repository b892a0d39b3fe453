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
