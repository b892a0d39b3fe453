/* Per-core speed probe (core_speed.h). */
#define _GNU_SOURCE
#include "harness/base/core_speed.h"

#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/base/timing.h"

static volatile uint64_t sink;

/* A chain of dependent multiply-adds: one step's latency apart, so its rate is the clock. */
static double chain_seconds(uint64_t steps)
{
    uint64_t x = sink | 1;
    double t0 = beex_now_seconds();
    for (uint64_t i = 0; i < steps; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    double t = beex_now_seconds() - t0;
    sink = x;
    return t;
}

static int pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int beex_core_speeds(const int *cpus, int n, int rounds, double seconds, double *rates)
{
    if (cpus == NULL || rates == NULL || n < 1 || n > 1024 || rounds < 1 || !(seconds > 0.0))
        return -1;
    cpu_set_t saved;
    if (sched_getaffinity(0, sizeof saved, &saved) != 0)
        return -1;
    double *all = malloc((size_t)n * (size_t)rounds * sizeof *all);
    if (all == NULL)
        return -1;
    int rc = 0;
    uint64_t steps = 1u << 12;
    if (pin_to(cpus[0]) != 0) {
        rc = -1;
    } else { /* steps that take about `seconds` on the first CPU */
        double t;
        while ((t = chain_seconds(steps)) < seconds / 4 && steps < (1ull << 40))
            steps *= 2;
        steps = (uint64_t)((double)steps * seconds / (t > 0.0 ? t : seconds)) + 1;
    }
    for (int r = 0; r < rounds && rc == 0; r++)
        for (int i = 0; i < n && rc == 0; i++) {
            if (pin_to(cpus[i]) != 0) {
                rc = -1;
                break;
            }
            double t = chain_seconds(steps);
            all[(size_t)i * rounds + r] = t > 0.0 ? (double)steps / t : 0.0;
        }
    for (int i = 0; i < n && rc == 0; i++) {
        double *v = all + (size_t)i * rounds;
        qsort(v, (size_t)rounds, sizeof *v, cmp_double);
        rates[i] = beex_percentile_sorted(v, (size_t)rounds, 0.5);
    }
    if (sched_setaffinity(0, sizeof saved, &saved) != 0)
        rc = -1;
    free(all);
    return rc;
}

void beex_order_by_speed(const double *rates, int n, int *order)
{
    /* Insertion sort: n is a handful of cores, and it is stable. */
    for (int i = 0; i < n; i++) {
        int k = i;
        double r = rates[i] > 0.0 && !isnan(rates[i]) ? rates[i] : -1.0;
        while (k > 0) {
            double q = rates[order[k - 1]];
            q = q > 0.0 && !isnan(q) ? q : -1.0;
            if (q >= r)
                break;
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
}
