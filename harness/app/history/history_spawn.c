/* fork/exec with redirections, a capture pipe and a time limit (history_spawn.h). */
#define _GNU_SOURCE /* execvpe */
#include "harness/app/history/history_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The child's environment: ours with o->env's entries added or replacing the same names.
 * Built before fork, so that the child calls nothing but async-signal-safe functions. */
static char **child_env(const char *const *add, int only)
{
    size_t n = 0, k = 0;
    while (!only && environ[n] != NULL)
        n++;
    while (add != NULL && add[k] != NULL)
        k++;
    char **env = malloc((n + k + 1) * sizeof *env);
    if (env == NULL)
        return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < k && !replaced; j++) {
            const char *eq = strchr(add[j], '=');
            size_t len = eq != NULL ? (size_t)(eq - add[j]) + 1 : strlen(add[j]);
            replaced = strncmp(environ[i], add[j], len) == 0;
        }
        if (!replaced)
            env[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        env[m++] = (char *)add[j];
    env[m] = NULL;
    return env;
}

static int open_stream(const char *path, int flags, int fallback_flags, char *err, size_t errlen)
{
    int fd = open(path != NULL ? path : "/dev/null", path != NULL ? flags : fallback_flags, 0666);
    if (fd < 0)
        snprintf(err, errlen, "cannot open %s: %s", path != NULL ? path : "/dev/null",
                 strerror(errno));
    return fd;
}

/* In the child: streams in place, then exec; 127 when exec fails (as a shell says). */
static void child(const beex_spawn_opts *o, int in, int out, int errfd, char **env)
{
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
        _exit(127);
    if (o->dir != NULL && chdir(o->dir) != 0) {
        static const char msg[] = "cannot change to the working folder\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            _exit(127);
        _exit(127);
    }
    execvpe(o->argv[0], (char *const *)o->argv, env);
    static const char msg[] = "cannot run ";
    if (write(2, msg, sizeof msg - 1) >= 0 && write(2, o->argv[0], strlen(o->argv[0])) >= 0 &&
        write(2, ": ", 2) >= 0) {
        const char *why = strerror(errno);
        if (write(2, why, strlen(why)) >= 0 && write(2, "\n", 1) >= 0)
            _exit(127);
    }
    _exit(127);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Appends what the pipe has to r->out; returns 1 at end of file, 0 otherwise, -1 on error. */
static int drain(int fd, beex_spawn_result *r, size_t *cap)
{
    char buf[4096];
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : -1;
    if (got == 0)
        return 1;
    if (r->out_len + (size_t)got + 1 > *cap) {
        size_t ncap = *cap ? *cap : 4096;
        while (ncap < r->out_len + (size_t)got + 1)
            ncap *= 2;
        char *p = realloc(r->out, ncap);
        if (p == NULL)
            return -1;
        r->out = p;
        *cap = ncap;
    }
    memcpy(r->out + r->out_len, buf, (size_t)got);
    r->out_len += (size_t)got;
    r->out[r->out_len] = '\0';
    return 0;
}

/* Waits for pid, reading the capture pipe (fd >= 0) meanwhile, killing it at the deadline. */
static void wait_child(pid_t pid, int fd, int timeout_s, beex_spawn_result *r)
{
    double deadline = timeout_s > 0 ? now_s() + timeout_s : 0;
    size_t cap = 0;
    int status = 0, open_pipe = fd >= 0;
    for (;;) {
        if (open_pipe) {
            struct pollfd p = {fd, POLLIN, 0};
            if (poll(&p, 1, 100) > 0 && drain(fd, r, &cap) != 0)
                open_pipe = 0; /* end of file, or no memory: the rest is not kept */
        }
        pid_t w = waitpid(pid, &status, open_pipe || deadline > 0 ? WNOHANG : 0);
        if (w == pid)
            break;
        if (w < 0) {
            if (errno == EINTR)
                continue;
            r->code = -1;
            return;
        }
        if (deadline > 0 && now_s() > deadline) {
            kill(pid, SIGKILL);
            r->timed_out = 1;
            deadline = 0;
        }
        if (!open_pipe && deadline > 0) {
            struct timespec t = {0, 50 * 1000 * 1000};
            nanosleep(&t, NULL);
        }
    }
    while (open_pipe && drain(fd, r, &cap) == 0)
        ;
    if (WIFEXITED(status)) {
        r->code = WEXITSTATUS(status);
    } else {
        r->code = -1;
        r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
}

int beex_spawn(const beex_spawn_opts *o, beex_spawn_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    int in = -1, out = -1, efd = -1, pfd[2] = {-1, -1}, rc = -1;
    char **env = child_env(o->env, o->env_only);
    if (env == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int eflags = O_WRONLY | O_CREAT | O_CLOEXEC | (o->err_append ? O_APPEND : O_TRUNC);
    in = open_stream(o->in_path, O_RDONLY | O_CLOEXEC, O_RDONLY | O_CLOEXEC, err, errlen);
    if (in < 0)
        goto done;
    if (o->out_path == NULL && o->capture) {
        if (pipe2(pfd, O_CLOEXEC) != 0) {
            snprintf(err, errlen, "pipe: %s", strerror(errno));
            goto done;
        }
        out = pfd[1];
        pfd[1] = -1;
    } else {
        out = open_stream(o->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                          O_WRONLY | O_CLOEXEC, err, errlen);
        if (out < 0)
            goto done;
    }
    efd = open_stream(o->err_path, eflags, O_WRONLY | O_CLOEXEC, err, errlen);
    if (efd < 0)
        goto done;
    fflush(NULL); /* no buffered output of ours written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0)
        child(o, in, out, efd, env);
    close(out);
    out = -1;
    wait_child(pid, pfd[0], o->timeout_s, r);
    rc = 0;
done:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    if (efd >= 0)
        close(efd);
    if (pfd[0] >= 0)
        close(pfd[0]);
    free(env);
    if (rc != 0) {
        free(r->out);
        r->out = NULL;
    }
    return rc;
}

char *beex_spawn_output(const char *const *argv, const char *dir, const char *err_file, char *err,
                        size_t errlen)
{
    beex_spawn_opts o = {argv, NULL, 0, dir, NULL, NULL, err_file, 0, 1, 0};
    beex_spawn_result r;
    if (beex_spawn(&o, &r, err, errlen) != 0)
        return NULL;
    if (r.code != 0) {
        char line[256] = "";
        if (err_file != NULL)
            beex_spawn_first_line(err_file, line, sizeof line);
        snprintf(err, errlen, "%s failed (%s %d)%s%s", argv[0],
                 r.code == 127 ? "cannot run it: status" : "exit status", r.code,
                 line[0] ? ": " : "", line);
        free(r.out);
        return NULL;
    }
    if (r.out == NULL) {
        r.out = strdup("");
        if (r.out == NULL)
            snprintf(err, errlen, "out of memory");
        return r.out;
    }
    while (r.out_len > 0 && (r.out[r.out_len - 1] == '\n' || r.out[r.out_len - 1] == '\r'))
        r.out[--r.out_len] = '\0';
    return r.out;
}

int beex_spawn_tool(const beex_spawn_opts *o, char *why, size_t whylen, char *err, size_t errlen)
{
    beex_spawn_opts so = *o;
    if (so.timeout_s == 0)
        so.timeout_s = BEEX_SPAWN_TOOL_TIMEOUT_S;
    beex_spawn_result r;
    if (beex_spawn(&so, &r, err, errlen) != 0)
        return -1;
    free(r.out);
    if (r.code == 0)
        return 0;
    char line[512] = "";
    if (so.err_path != NULL)
        beex_spawn_first_line(so.err_path, line, sizeof line);
    if (r.timed_out)
        snprintf(why, whylen, "timed out after %d s (%s)", so.timeout_s, so.argv[0]);
    else if (line[0])
        snprintf(why, whylen, "%s", line);
    else if (r.code == -1)
        snprintf(why, whylen, "%s was killed by signal %d", so.argv[0], r.signal);
    else
        snprintf(why, whylen, "%s exited with status %d", so.argv[0], r.code);
    return 1;
}

static int is_tool_line(const char *s)
{
    /* valgrind's own lines ("==123== ...", "--123-- ...") and hwloc's notice that it cannot
     * probe the CPU under valgrind: neither is the measured program's error. */
    if ((s[0] == '=' && s[1] == '=') || (s[0] == '-' && s[1] == '-' && s[2] >= '0' && s[2] <= '9'))
        return 1;
    return strncmp(s, "hwloc ", 6) == 0 || strncmp(s, "May be reenabled", 16) == 0 ||
           strncmp(s, "and reloading them", 18) == 0;
}

void beex_spawn_first_line(const char *path, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[1024];
    int have = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || is_tool_line(s))
            continue;
        /* A line of beex's own ("beex run: ...") is the reason; keep the first other line
         * only until one appears. */
        if (strncmp(s, "beex", 4) == 0) {
            snprintf(out, outlen, "%s", s);
            break;
        }
        if (!have) {
            snprintf(out, outlen, "%s", s);
            have = 1;
        }
    }
    fclose(f);
}
