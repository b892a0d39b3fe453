/* PAPI preset events per OpenMP thread. In a VM without a PMU (this project's machine) PAPI
 * initialises but every preset is missing: the reason is recorded and the sweep goes on. */
#include <omp.h>
#include <papi.h>
#include <stdio.h>
#include <string.h>

#include "harness/bench/counters.h"

static const int preset_codes[BEEX_HW_EVENTS] = {PAPI_TOT_INS, PAPI_TOT_CYC, PAPI_L1_DCM,
                                                 PAPI_L2_DCM};
static const char *const preset_names[BEEX_HW_EVENTS] = {"PAPI_TOT_INS", "PAPI_TOT_CYC",
                                                         "PAPI_L1_DCM", "PAPI_L2_DCM"};

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

static void component_reason(char *buf, size_t len)
{
    int cid = PAPI_get_component_index("perf_event");
    const PAPI_component_info_t *ci = cid >= 0 ? PAPI_get_component_info(cid) : NULL;
    if (ci != NULL && ci->disabled)
        snprintf(buf, len, "perf_event component disabled: %.120s", ci->disabled_reason);
    else if (ci == NULL)
        snprintf(buf, len, "no perf_event component in this PAPI build");
    else
        buf[0] = '\0';
}

void beex_hw_counters_init(beex_hw_counters *hc, int threads)
{
    memset(hc, 0, sizeof *hc);
    hc->threads = threads < 1 ? 1 : (threads > BEEX_HW_MAX_THREADS ? BEEX_HW_MAX_THREADS : threads);
    for (int t = 0; t < BEEX_HW_MAX_THREADS; t++)
        hc->eventset[t] = PAPI_NULL;
    if (!papi_ready(hc->reason, sizeof hc->reason))
        return;
    char missing[80] = "";
    for (int e = 0; e < BEEX_HW_EVENTS; e++) {
        int rc = PAPI_query_event(preset_codes[e]);
        if (rc == PAPI_OK)
            hc->names[hc->n_events++] = preset_names[e];
        else if (missing[0] == '\0')
            snprintf(missing, sizeof missing, "%s: %s", preset_names[e], PAPI_strerror(rc));
    }
    if (hc->n_events == 0) {
        char comp[200];
        component_reason(comp, sizeof comp);
        snprintf(hc->reason, sizeof hc->reason, "no preset event available (%.79s)%s%.120s",
                 missing, comp[0] ? "; " : "", comp);
        return;
    }
    hc->available = 1;
}

static int code_of(const char *name)
{
    for (int e = 0; e < BEEX_HW_EVENTS; e++)
        if (strcmp(preset_names[e], name) == 0)
            return preset_codes[e];
    return PAPI_NULL;
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
        int rc = PAPI_OK;
        if (*es == PAPI_NULL) {
            rc = PAPI_register_thread();
            if (rc == PAPI_OK)
                rc = PAPI_create_eventset(es);
            for (int e = 0; rc == PAPI_OK && e < hc->n_events; e++)
                rc = PAPI_add_event(*es, code_of(hc->names[e]));
        }
        if (rc == PAPI_OK)
            rc = PAPI_start(*es);
        if (rc != PAPI_OK) {
            failed++;
#pragma omp critical
            snprintf(hc->reason, sizeof hc->reason, "thread %d: %s", t, PAPI_strerror(rc));
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
