/* Hardware events by PAPI name per OpenMP thread (default four presets; --events chooses). In
 * a VM without a PMU (this project's machine) PAPI initialises but every event is missing:
 * the reason, "no PMU" with PAPI's own words, is recorded and the sweep goes on. */
#include <stdio.h>
#include <string.h>
#if BEEX_HAVE_PAPI
#include <errno.h>
#include <linux/perf_event.h>
#include <omp.h>
#include <papi.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "harness/bench/counters.h"

/* The chosen events (beex_hw_counters_choose), by PAPI name. */
static char chosen[BEEX_HW_EVENTS][64] = {"PAPI_TOT_INS", "PAPI_TOT_CYC", "PAPI_L1_DCM",
                                          "PAPI_L2_DCM"};
static int n_chosen = 4;

int beex_hw_counters_choose(const char *list, char *err, size_t errlen)
{
    char buf[BEEX_HW_EVENTS * 64 + 1];
    if (list == NULL || list[0] == '\0' || strlen(list) >= sizeof buf) {
        snprintf(err, errlen, "--events needs a comma list of PAPI event names");
        return -1;
    }
    memcpy(buf, list, strlen(list) + 1);
    char names[BEEX_HW_EVENTS][64];
    int n = 0;
    for (char *p = buf;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        size_t len = strlen(p), ok = len > 0 && len < 64;
        for (size_t i = 0; ok && i < len; i++)
            ok = (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
                 (p[i] >= '0' && p[i] <= '9') || strchr("_:.=-", p[i]) != NULL;
        if (!ok || n >= BEEX_HW_EVENTS) {
            snprintf(err, errlen, "--events: '%.63s' is %s", p,
                     n >= BEEX_HW_EVENTS ? "one event too many (at most 8)"
                                         : "not a PAPI event name (letters, digits, _ : . = -)");
            return -1;
        }
        snprintf(names[n++], 64, "%s", p);
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    memcpy(chosen, names, sizeof names);
    n_chosen = n;
    return 0;
}

/* Nothing counted yet, for a team of threads (clamped to [1, BEEX_HW_MAX_THREADS]). */
static void counters_clear(beex_hw_counters *hc, int threads)
{
    memset(hc, 0, sizeof *hc);
    hc->threads = threads < 1 ? 1 : (threads > BEEX_HW_MAX_THREADS ? BEEX_HW_MAX_THREADS : threads);
}

#if !BEEX_HAVE_PAPI
/* Built without PAPI (BEEX_WITH_PAPI=OFF, or no libpapi-dev): never available, and the results
 * say why, as they do for a machine without a PMU. */
void beex_hw_counters_init(beex_hw_counters *hc, int threads)
{
    counters_clear(hc, threads);
    snprintf(hc->reason, sizeof hc->reason,
             "built without PAPI (BEEX_WITH_PAPI): hardware counters not compiled in");
}

void beex_hw_counters_start(beex_hw_counters *hc)
{
    (void)hc;
}

void beex_hw_counters_stop(beex_hw_counters *hc)
{
    (void)hc;
}
#else
static unsigned long omp_thread_id(void)
{
    return (unsigned long)omp_get_thread_num();
}

/* PAPI_library_init must run once per process; its result is remembered. */
static int papi_ready(char *reason, size_t len)
{
    static int state; /* 0 untried, 1 ok, -1 failed */
    static int rc_saved;
    if (state == 0) {
        int rc = PAPI_library_init(PAPI_VER_CURRENT);
        if (rc != PAPI_VER_CURRENT && rc != PAPI_EINVAL) {
            state = -1;
            rc_saved = rc;
        } else {
            /* PAPI_EINVAL: already initialised by someone else in this process (tests). */
            PAPI_thread_init(omp_thread_id);
            state = 1;
        }
    }
    if (state < 0)
        snprintf(reason, len, "PAPI_library_init failed: %s", PAPI_strerror(rc_saved));
    return state > 0;
}

/* Why no event is available, in words a reader of the results understands: a machine with no
 * hardware counters visible (a VM without a virtual PMU) says so, with PAPI's own words. */
/* Whether the kernel counts instructions for this process: perf_event_open is PAPI's own
 * path, and it fails with ENOENT where no PMU is registered (a VM without a virtual one). */
static int kernel_has_pmu(char *why, size_t len)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_HARDWARE;
    a.config = PERF_COUNT_HW_INSTRUCTIONS;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    if (fd < 0) {
        snprintf(why, len, "perf_event_open of instructions: %s", strerror(errno));
        return 0;
    }
    close((int)fd);
    snprintf(why, len, "instructions countable");
    return 1;
}

static void component_reason(char *buf, size_t len)
{
    char why[128] = "PAPI reports no counter";
    int cid = PAPI_get_component_index("perf_event");
    const PAPI_component_info_t *ci = cid >= 0 ? PAPI_get_component_info(cid) : NULL;
    if (ci == NULL)
        snprintf(buf, len, "no perf_event component in this PAPI build");
    else if (ci->disabled)
        snprintf(buf, len, "no PMU usable: perf_event component disabled (PAPI: %.120s)",
                 ci->disabled_reason);
    else if (PAPI_num_cmp_hwctrs(cid) <= 0 || !kernel_has_pmu(why, sizeof why))
        snprintf(buf, len, "no PMU: the kernel offers no hardware counter (%.100s)", why);
    else
        buf[0] = '\0';
}

void beex_hw_counters_init(beex_hw_counters *hc, int threads)
{
    counters_clear(hc, threads);
    for (int t = 0; t < BEEX_HW_MAX_THREADS; t++)
        hc->eventset[t] = PAPI_NULL;
    if (!papi_ready(hc->reason, sizeof hc->reason))
        return;
    char missing[120] = "";
    /* An event counts when it can be added to an event set: PAPI_query_event accepts presets
     * that a VM without a PMU then refuses to add. */
    int probe = PAPI_NULL;
    int have_probe = PAPI_create_eventset(&probe) == PAPI_OK;
    for (int e = 0; e < n_chosen; e++) {
        int code = PAPI_NULL;
        int rc = PAPI_event_name_to_code(chosen[e], &code);
        if (rc == PAPI_OK)
            rc = PAPI_query_event(code);
        if (rc == PAPI_OK && have_probe) {
            rc = PAPI_add_event(probe, code);
            if (rc == PAPI_OK)
                PAPI_remove_event(probe, code);
        }
        if (rc == PAPI_OK)
            snprintf(hc->names[hc->n_events++], sizeof hc->names[0], "%.63s", chosen[e]);
        else if (missing[0] == '\0')
            snprintf(missing, sizeof missing, "%.63s: PAPI says %.40s", chosen[e],
                     PAPI_strerror(rc));
    }
    if (have_probe) {
        PAPI_cleanup_eventset(probe);
        PAPI_destroy_eventset(&probe);
    }
    if (hc->n_events == 0) {
        char comp[200];
        component_reason(comp, sizeof comp);
        snprintf(hc->reason, sizeof hc->reason, "%.200s%sno chosen event available (%.100s)", comp,
                 comp[0] ? "; " : "", missing);
        return;
    }
    hc->available = 1;
}

static int code_of(const char *name)
{
    int code = PAPI_NULL;
    return PAPI_event_name_to_code(name, &code) == PAPI_OK ? code : PAPI_NULL;
}

void beex_hw_counters_start(beex_hw_counters *hc)
{
    if (!hc->available)
        return;
    int failed = 0;
#pragma omp parallel num_threads(hc->threads) reduction(+ : failed)
    {
        int t = omp_get_thread_num();
        int *es = &hc->eventset[t];
        int rc = PAPI_OK, bad_event = -1;
        if (*es == PAPI_NULL) {
            rc = PAPI_register_thread();
            if (rc == PAPI_OK)
                rc = PAPI_create_eventset(es);
            for (int e = 0; rc == PAPI_OK && e < hc->n_events; e++)
                if ((rc = PAPI_add_event(*es, code_of(hc->names[e]))) != PAPI_OK)
                    bad_event = e;
        }
        if (rc == PAPI_OK)
            rc = PAPI_start(*es);
        if (rc != PAPI_OK) {
            failed++;
            char comp[200];
            component_reason(comp, sizeof comp);
#pragma omp critical
            snprintf(hc->reason, sizeof hc->reason, "%.100s%sthread %d, %.63s: PAPI says %.40s",
                     comp, comp[0] ? "; " : "", t, bad_event >= 0 ? hc->names[bad_event] : "start",
                     PAPI_strerror(rc));
        }
    }
    if (failed)
        hc->available = 0;
}

void beex_hw_counters_stop(beex_hw_counters *hc)
{
    if (!hc->available)
        return;
#pragma omp parallel num_threads(hc->threads)
    {
        int t = omp_get_thread_num();
        long long v[BEEX_HW_EVENTS] = {0};
        if (PAPI_stop(hc->eventset[t], v) == PAPI_OK)
            for (int e = 0; e < hc->n_events; e++)
                hc->values[t][e] += v[e];
    }
}

#endif

json_t *beex_hw_counters_json(const beex_hw_counters *hc)
{
    json_t *o = json_object();
    json_object_set_new(o, "available", json_boolean(hc->available));
    if (!hc->available) {
        json_object_set_new(o, "reason", json_string(hc->reason));
        return o;
    }
    json_t *per = json_array();
    for (int t = 0; t < hc->threads; t++) {
        json_t *row = json_object();
        for (int e = 0; e < hc->n_events; e++)
            json_object_set_new(row, hc->names[e], json_integer(hc->values[t][e]));
        json_array_append_new(per, row);
    }
    json_object_set_new(o, "per_thread", per);
    return o;
}
