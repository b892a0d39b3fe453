/* Per-CPU and multi-process runs of the bound loops. The children use no OpenMP and no
 * library state from the parent: they pin themselves, calibrate, report ready, wait for the
 * go byte, run, write one double and _exit. */
#define _GNU_SOURCE
#include "harness/bench/core_ceiling.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/base/timing.h"
#include "kernels/bound.h"

typedef uint64_t (*bound_loop_fn)(uint64_t iters, uint64_t *sink);

/* The loops from kernels/bound_list.h, as harness/bench/bound.c lists them. */
static const bound_loop_fn loops[BEEX_ISA_COUNT] = {
#define BEEX_BOUND_VARIANT(E, loop, mix) BEEX_IF_BUILT(E, [BEEX_ISA_##E] = loop, )
#include "kernels/bound_list.h"
#undef BEEX_BOUND_VARIANT
};

static bound_loop_fn loop_of(beex_isa isa)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT || !beex_isa_available(isa, NULL))
        return NULL;
    return loops[isa];
}

/* Iterations that take about `seconds` on this CPU. */
static uint64_t calibrate(bound_loop_fn fn, double seconds)
{
    uint64_t sink = 0, iters = 1u << 10;
    for (;;) {
        double t0 = beex_now_seconds();
        fn(iters, &sink);
        double dt = beex_now_seconds() - t0;
        if (dt > 0.005 || iters > (1ull << 40))
            return (uint64_t)((double)iters * seconds / (dt > 0.0 ? dt : 1e-9)) + 1;
        iters *= 4;
    }
}

static double timed_run(bound_loop_fn fn, uint64_t iters)
{
    uint64_t sink = 0;
    double t0 = beex_now_seconds();
    uint64_t bmac = fn(iters, &sink);
    double t = beex_now_seconds() - t0;
    if (sink == 42) /* uses the result, so the loop stays */
        t += 1e-12;
    return t > 0.0 ? (double)bmac / t : -1.0;
}

double beex_bound_rate_here(beex_isa isa, double seconds)
{
    bound_loop_fn fn = loop_of(isa);
    if (fn == NULL || seconds <= 0.0)
        return -1.0;
    return timed_run(fn, calibrate(fn, seconds));
}

static int pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

int beex_bound_per_cpu(beex_isa isa, const int *cpus, int n, double seconds, double *rates,
                       char *err, size_t errlen)
{
    if (loop_of(isa) == NULL) {
        snprintf(err, errlen, "no bound loop for %s here", beex_isa_name(isa));
        return -1;
    }
    cpu_set_t saved;
    if (sched_getaffinity(0, sizeof saved, &saved) != 0) {
        snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (pin_to(cpus[i]) != 0) {
            snprintf(err, errlen, "cannot pin to CPU %d: %s", cpus[i], strerror(errno));
            rc = -1;
            break;
        }
        rates[i] = beex_bound_rate_here(isa, seconds);
    }
    if (sched_setaffinity(0, sizeof saved, &saved) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot restore the CPU mask: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

/* A child: pin, calibrate, say ready, wait for go, run, report. Never returns. */
static void child(bound_loop_fn fn, int cpu, double seconds, int ready_fd, int go_fd, int out_fd)
{
    double rate = -1.0;
    char b = 'r';
    if (pin_to(cpu) != 0)
        b = 'p';
    uint64_t iters = calibrate(fn, seconds);
    if (write(ready_fd, &b, 1) != 1 || read(go_fd, &b, 1) != 1)
        _exit(2);
    if (b == 'g')
        rate = timed_run(fn, iters);
    _exit(write(out_fd, &rate, sizeof rate) == (ssize_t)sizeof rate ? 0 : 3);
}

static int read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t k = read(fd, (char *)buf + got, len - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return 0;
}

int beex_bound_processes(beex_isa isa, const int *cpus, int n, double seconds, double *rates,
                         char *err, size_t errlen)
{
    bound_loop_fn fn = loop_of(isa);
    if (fn == NULL || n < 1) {
        snprintf(err, errlen, "no bound loop for %s here", beex_isa_name(isa));
        return -1;
    }
    int ready[2], go[2], out[2 * 256];
    if (n > 256 || pipe(ready) != 0) {
        snprintf(err, errlen, "pipe: %s", n > 256 ? "more than 256 CPUs" : strerror(errno));
        return -1;
    }
    if (pipe(go) != 0) {
        close(ready[0]), close(ready[1]);
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pids[256];
    int started = 0, rc = -1;
    fflush(NULL); /* no buffered output duplicated into the children */
    for (; started < n; started++) {
        if (pipe(out + 2 * started) != 0)
            break;
        pid_t p = fork();
        if (p < 0) {
            close(out[2 * started]), close(out[2 * started + 1]);
            break;
        }
        if (p == 0) {
            close(ready[0]), close(go[1]);
            child(fn, cpus[started], seconds, ready[1], go[0], out[2 * started + 1]);
        }
        pids[started] = p;
        close(out[2 * started + 1]);
    }
    close(ready[1]), close(go[0]);
    char flags[256];
    int ok = started == n && read_full(ready[0], flags, (size_t)n) == 0;
    int pinned = 1;
    for (int i = 0; ok && i < n; i++)
        pinned &= flags[i] == 'r';
    /* Release everyone at once; on a failure the children read 'x' and report nothing. */
    char gos[256];
    memset(gos, ok ? 'g' : 'x', sizeof gos);
    if (write(go[1], gos, (size_t)started) != (ssize_t)started)
        ok = 0;
    close(go[1]), close(ready[0]);
    for (int i = 0; i < started; i++) {
        if (read_full(out[2 * i], &rates[i], sizeof rates[i]) != 0 || rates[i] <= 0.0)
            ok = 0;
        close(out[2 * i]);
    }
    for (int i = 0; i < started; i++) {
        int st = 0;
        while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            ok = 0;
    }
    if (!ok)
        snprintf(err, errlen, "%s",
                 started < n ? "cannot start the processes" : "a process failed");
    else if (!pinned)
        snprintf(err, errlen, "a process could not pin itself to its CPU");
    else
        rc = 0;
    return rc;
}
