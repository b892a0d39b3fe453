/* Counters around timed runs. Hardware events through PAPI presets (instructions, cycles,
 * cache misses; one event set per OpenMP thread) where the machine has a PMU, otherwise
 * "unavailable" with PAPI's own reason. And software-defined events (PAPI SDE, libsde) that
 * the sweep increments per batch, readable by any PAPI client as sde:::beex::<NAME>. */
#ifndef BEEX_BENCH_COUNTERS_H
#define BEEX_BENCH_COUNTERS_H

#include <jansson.h>

#include "harness/model/engine.h"

#define BEEX_HW_EVENTS 8 /* at most this many chosen events */
#define BEEX_HW_MAX_THREADS 256

typedef struct {
    int available; /* 1 when every thread could start the event set */
    char reason[384];
    int threads;
    int n_events;
    char names[BEEX_HW_EVENTS][64];
    long long values[BEEX_HW_MAX_THREADS][BEEX_HW_EVENTS];
    int eventset[BEEX_HW_MAX_THREADS];
} beex_hw_counters;

/* Chooses the hardware events by PAPI name (presets such as PAPI_TOT_INS or native names such
 * as perf::INSTRUCTIONS), comma separated, at most BEEX_HW_EVENTS, for every later
 * beex_hw_counters_init in this process (default: PAPI_TOT_INS, PAPI_TOT_CYC, PAPI_L1_DCM,
 * PAPI_L2_DCM). Checks the list's form only (whether an event exists depends on the machine
 * and is reported with the results). Returns 0, or -1 with err naming the bad entry. */
int beex_hw_counters_choose(const char *list, char *err, size_t errlen);

/* Initialises PAPI (once) and checks which of the chosen events exist. Never fails: a machine
 * without counters gets available = 0 and the reason (PAPI_strerror and the perf_event component's
 * disabled_reason). */
void beex_hw_counters_init(beex_hw_counters *hc, int threads);
/* Start / stop in every thread of an OpenMP team of hc->threads; no-ops when unavailable. */
void beex_hw_counters_start(beex_hw_counters *hc);
void beex_hw_counters_stop(beex_hw_counters *hc);
/* {"available": false, "reason": ...} or {"available": true, "events": [...],
 * "per_thread": [{name: value}...]}. New reference. */
json_t *beex_hw_counters_json(const beex_hw_counters *hc);

/* Software-defined events (names under sde:::beex::): EXAMPLES, BATCHES, FLOPS, BOPS,
 * OPS (= FLOPS + BOPS / 64, rounded), EXITS_BLOCK_<i> for i = 1..blocks. Registered once per
 * process; later calls with more blocks add the missing exits. Returns 0, or -1. */
int beex_sde_init(int blocks);
/* Adds one batch of early-exit results to the counters. */
void beex_sde_record(const beex_exit_result *res, int n);
/* Current values in a JSON object (also usable without a PAPI event set). New reference. */
json_t *beex_sde_json(void);
/* Unregisters the events (libsde frees its copies of their names). */
void beex_sde_shutdown(void);

#endif
