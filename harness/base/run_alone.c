/* One thread at work, the team parked (run_alone.h). */
#define _GNU_SOURCE
#include "harness/base/run_alone.h"

#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "harness/base/threads.h"

_Static_assert(sizeof(cpu_set_t) <= BEEX_CPU_MASK_BYTES, "cpu_set_t larger than the saved mask");

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int parked, released;

void beex_run_alone(void (*fn)(void *), void *ctx)
{
    int n = beex_threads_count();
    if (n <= 1 || omp_in_parallel()) {
        fn(ctx);
        return;
    }
    parked = 0;
    released = 0;
#pragma omp parallel num_threads(n)
    {
        int others = omp_get_num_threads() - 1;
        if (omp_get_thread_num() == 0) {
            /* Wait until every other thread sleeps in pthread_cond_wait (it counted itself
             * under the mutex, which the wait releases only once it blocks). */
            pthread_mutex_lock(&mu);
            while (parked < others)
                pthread_cond_wait(&cv, &mu);
            pthread_mutex_unlock(&mu);
            fn(ctx);
            pthread_mutex_lock(&mu);
            released = 1;
            pthread_cond_broadcast(&cv);
            pthread_mutex_unlock(&mu);
        } else {
            pthread_mutex_lock(&mu);
            if (++parked == others)
                pthread_cond_broadcast(&cv);
            while (!released)
                pthread_cond_wait(&cv, &mu);
            pthread_mutex_unlock(&mu);
        }
    }
}

int beex_pin_self(int cpu, unsigned char *saved_mask)
{
    cpu_set_t saved, set;
    if (sched_getaffinity(0, sizeof saved, &saved) != 0)
        return -1;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return -1;
    memcpy(saved_mask, &saved, sizeof saved);
    return 0;
}

int beex_unpin_self(const unsigned char *saved_mask)
{
    cpu_set_t saved;
    memcpy(&saved, saved_mask, sizeof saved);
    return sched_setaffinity(0, sizeof saved, &saved);
}
