#include "harness/report/atomic_file.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (tracked[i] != NULL)
            unlink(tracked[i]); /* async-signal-safe */
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

int beex_atomic_open(beex_atomic_file *af, const char *path, char *err, size_t errlen)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(path) + 32;
    af->tmp_path = malloc(n);
    af->final_path = strdup(path);
    if (af->tmp_path == NULL || af->final_path == NULL) {
        free(af->tmp_path);
        free(af->final_path);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(af->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
    af->f = fopen(af->tmp_path, "w");
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
