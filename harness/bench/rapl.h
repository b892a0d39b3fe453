/* Energy from the package counters Linux exposes through powercap (Intel RAPL, and AMD's
 * under the same name): joules over an interval, or a sentence saying why there are none
 * (a VM, a CPU without them, a kernel that reserves them for root). */
#ifndef BEEX_BENCH_RAPL_H
#define BEEX_BENCH_RAPL_H

#include <stddef.h>

typedef struct {
    int n;              /* package domains read (0: unavailable) */
    char path[8][320];  /* .../intel-rapl:K/energy_uj */
    double range_uj[8]; /* max_energy_range_uj: the counter wraps there */
    double start_uj[8]; /* readings at beex_rapl_start */
    char reason[256];   /* when n == 0 */
} beex_rapl;

/* Finds the package domains under root (NULL: /sys/class/powercap). Returns 1 when energy can
 * be read, else 0 with r->reason set ("unavailable: ..."). */
int beex_rapl_open(beex_rapl *r, const char *root);
/* Reads the counters at the start of an interval. Returns 0, or -1. */
int beex_rapl_start(beex_rapl *r);
/* Joules of all packages since beex_rapl_start (one wrap per domain handled), or -1. */
double beex_rapl_joules(const beex_rapl *r);

#endif
