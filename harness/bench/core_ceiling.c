/* Per-CPU and multi-process runs of the bound loops, and a kernel's ceiling against its team.
 * The bound loops' children use no OpenMP and no library state from the parent: they pin
 * themselves, calibrate, report ready, wait for the go byte, run, write one double and
 * _exit. */
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

#include "harness/base/run_alone.h"
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

/* --- a kernel's ceiling (core_ceiling.h) --- */

typedef struct {
    beex_ceiling_call call;
    void *ctx;
    int cpu;
    double seconds;
    int rc, err_no, pinned;
} alone_job;

/* On the calling thread, the team parked: pin, warm up, time one call, unpin. */
static void alone_call(void *p)
{
    alone_job *j = p;
    unsigned char saved[BEEX_CPU_MASK_BYTES];
    j->rc = -1;
    j->pinned = beex_pin_self(j->cpu, saved) == 0;
    if (!j->pinned) {
        j->err_no = errno;
        return;
    }
    if (j->call(j->ctx, 1) == 0) {
        double t0 = beex_now_seconds();
        j->rc = j->call(j->ctx, 1);
        j->seconds = beex_now_seconds() - t0;
    }
    if (beex_unpin_self(saved) != 0) {
        j->err_no = errno;
        j->rc = -1;
    }
}

static int team_call(beex_ceiling_call call, void *ctx, int threads, double *seconds)
{
    if (call(ctx, threads) != 0)
        return -1;
    double t0 = beex_now_seconds();
    int rc = call(ctx, threads);
    *seconds = beex_now_seconds() - t0;
    return rc;
}

int beex_ceiling_measure(beex_ceiling_call call, void *ctx, const int *cpus, int ncpus, int threads,
                         int rounds, double *cpu_seconds, double *team_seconds, char *err,
                         size_t errlen)
{
    if (call == NULL || cpus == NULL || ncpus < 1 || ncpus > BEEX_CEILING_MAX_CPUS || threads < 1 ||
        rounds < 1 || rounds > BEEX_CEILING_MAX_ROUNDS || cpu_seconds == NULL ||
        team_seconds == NULL) {
        snprintf(err, errlen, "ceiling: bad arguments");
        return -1;
    }
    int configs = ncpus + 1; /* the CPUs alone, then the team (index ncpus) */
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < configs; k++) {
            int c = (k + r) % configs;
            if (c == ncpus) {
                if (team_call(call, ctx, threads, &team_seconds[r]) != 0) {
                    snprintf(err, errlen, "ceiling: the kernel failed on %d threads", threads);
                    return -1;
                }
                continue;
            }
            alone_job j = {call, ctx, cpus[c], 0.0, -1, 0, 0};
            beex_run_alone(alone_call, &j);
            if (j.rc != 0) {
                if (!j.pinned || j.err_no != 0)
                    snprintf(err, errlen, "ceiling: cannot pin to CPU %d: %s", cpus[c],
                             strerror(j.err_no));
                else
                    snprintf(err, errlen, "ceiling: the kernel failed on CPU %d", cpus[c]);
                return -1;
            }
            cpu_seconds[(size_t)r * ncpus + c] = j.seconds;
        }
    return 0;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

int beex_ceiling_summarise(double work, const double *cpu_seconds, const double *team_seconds,
                           int rounds, int ncpus, int threads, double target, beex_ceiling *out)
{
    if (out == NULL || cpu_seconds == NULL || team_seconds == NULL || !(work > 0.0) || rounds < 1 ||
        rounds > BEEX_CEILING_MAX_ROUNDS || ncpus < 1 || ncpus > BEEX_CEILING_MAX_CPUS ||
        threads < 1)
        return -1;
    memset(out, 0, sizeof *out);
    out->ncpus = ncpus, out->threads = threads, out->rounds = rounds, out->target = target;
    out->counted = threads < ncpus ? threads : ncpus;
    double *buf = malloc((size_t)rounds * (3 + (size_t)ncpus) * sizeof *buf);
    if (buf == NULL)
        return -1;
    double *ceil_r = buf, *team_r = buf + rounds, *ratio_r = buf + 2 * (size_t)rounds;
    double *per_cpu = buf + 3 * (size_t)rounds; /* ncpus x rounds */
    int rc = 0;
    for (int r = 0; r < rounds && rc == 0; r++) {
        double rate[BEEX_CEILING_MAX_CPUS];
        for (int c = 0; c < ncpus; c++) {
            double t = cpu_seconds[(size_t)r * ncpus + c];
            if (!(t > 0.0))
                rc = -1;
            rate[c] = work / t;
            per_cpu[(size_t)c * rounds + r] = rate[c];
        }
        if (!(team_seconds[r] > 0.0))
            rc = -1;
        /* N threads can use at best the N fastest cores of this round. */
        qsort(rate, (size_t)ncpus, sizeof *rate, cmp_desc);
        double sum = 0.0;
        for (int c = 0; c < out->counted; c++)
            sum += rate[c];
        ceil_r[r] = sum;
        team_r[r] = work / team_seconds[r];
        ratio_r[r] = team_r[r] / sum;
    }
    if (rc == 0) {
        for (int c = 0; c < ncpus; c++) {
            double *v = per_cpu + (size_t)c * rounds;
            qsort(v, (size_t)rounds, sizeof *v, cmp_desc);
            out->cpu_rate[c] = beex_percentile_sorted(v, (size_t)rounds, 0.5);
        }
        beex_stats s = beex_stats_of(ceil_r, (size_t)rounds);
        out->ceiling = s.median;
        s = beex_stats_of(team_r, (size_t)rounds);
        out->team_rate = s.median;
        s = beex_stats_of(ratio_r, (size_t)rounds); /* sorts ratio_r ascending */
        out->ratio = s.median;
        out->ratio_lo = beex_percentile_sorted(ratio_r, (size_t)rounds, 0.025);
        out->ratio_hi = beex_percentile_sorted(ratio_r, (size_t)rounds, 0.975);
        out->verdict = out->ratio_lo >= target ? 1 : out->ratio_hi < target ? -1 : 0;
    }
    free(buf);
    return rc;
}

const char *beex_ceiling_verdict_name(int verdict)
{
    return verdict > 0 ? "yes" : verdict < 0 ? "no" : "unsure";
}
