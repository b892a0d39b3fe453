/* What a machine bundle says about the system beyond every results file's context
 * (context.h): the CPU's identity numbers, all cache levels, which logical CPUs share a core,
 * the frequency policy, the load, library versions, and whether this process runs under an
 * emulator (qemu-user), whose times are not measurements. */
#ifndef BEEX_REPORT_SYSTEM_PROBE_H
#define BEEX_REPORT_SYSTEM_PROBE_H

#include <jansson.h>
#include <stddef.h>

/* {"cpu_id", "caches", "thread_siblings", "cpufreq", "libraries"}: new reference. Every
 * field that cannot be read says "unavailable: reason". */
json_t *beex_system_probe_json(void);

/* The 1, 5 and 15 minute load averages; -1 each when unreadable. */
void beex_system_loadavg(double out[3]);

/* The last-level cache's size in bytes from hwloc (0 when unknown). */
size_t beex_system_llc_bytes(void);

/* The CPUs (the OS's numbers) this process may use: every one (per_core 0), or the first of
 * each allowed core (per_core 1). The mask is the one of the first call: make it before any
 * thread is pinned. Returns the count written (at most cap), or -1. */
int beex_system_allowed_cpus(int per_core, int *cpus, int cap);

/* 1 when this process runs under an emulator: BEEX_EMULATED set (not "0"), or the CPU
 * described by /proc/cpuinfo or AT_PLATFORM is of another architecture than this binary.
 * *signals (new reference, may be NULL) lists what said so. */
int beex_system_emulated(json_t **signals);

#endif
