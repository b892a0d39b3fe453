/* PAPI software-defined events. libsde keeps a pointer to each registered variable and
 * reads it whenever a PAPI client asks, so the counters are plain long longs that the sweep
 * increments after each batch (from the main thread, so no atomics are needed). */
#include <math.h>
#include <stdio.h>
#if BEEX_HAVE_PAPI
#include <sde_lib.h>
#endif

#include "harness/bench/counters.h"
#include "harness/eval/replay.h"
#include "harness/model/cost.h"

static int sde_blocks;
static long long c_examples, c_batches, c_flops, c_bops, c_iops, c_ops;
static long long c_exits[BEEX_MAX_BLOCKS];

typedef struct {
    const char *name, *what;
    long long *var;
} sde_event;

static const sde_event fixed_events[] = {
    {"EXAMPLES", "examples run through the early-exit engine", &c_examples},
    {"BATCHES", "batches run", &c_batches},
    {"FLOPS", "analytic real-valued operations of the blocks actually run (MAC = 2)", &c_flops},
    {"BOPS", "analytic binary multiply-accumulates of the XNOR-popcount GEMMs", &c_bops},
    {"IOPS", "analytic int8 operations of the w8a8 GEMMs (MAC = 2)", &c_iops},
    {"OPS", "FLOPS + IOPS + BOPS / 64", &c_ops},
};

#if !BEEX_HAVE_PAPI
/* Built without PAPI's libsde (BEEX_WITH_PAPI): the same counters are kept and written to the
 * results (beex_sde_json), only no PAPI client can read them while the program runs. */
int beex_sde_init(int blocks)
{
    if (blocks > BEEX_MAX_BLOCKS)
        blocks = BEEX_MAX_BLOCKS;
    if (blocks > sde_blocks)
        sde_blocks = blocks;
    return 0;
}

void beex_sde_shutdown(void)
{
    sde_blocks = 0;
}
#else
static papi_handle_t sde_handle;
static int sde_fixed_done;

/* Registration goes through libsde in the process, or through the function table PAPI passes
 * to papi_sde_hook_list_events (its tools list events through their own copy of libsde). */
static int (*register_fn)(papi_handle_t, const char *, int, int,
                          void *) = papi_sde_register_counter;
static int (*describe_fn)(papi_handle_t, const char *, const char *); /* listing only */

static int register_one(const char *name, const char *what, long long *var)
{
    if (register_fn(sde_handle, name, PAPI_SDE_RO | PAPI_SDE_DELTA, PAPI_SDE_long_long, var) != 0)
        return -1;
    /* Descriptions only for PAPI's listing: libsde 7.0 never frees the description copies (a
     * leak LeakSanitizer reports in a long-running process); the meanings are in counters.h. */
    if (describe_fn != NULL)
        describe_fn(sde_handle, name, what);
    return 0;
}

/* Registers every event through the given function table: used by beex_sde_init and by
 * PAPI's event-listing hook below. */
static int register_all(int blocks)
{
    if (blocks > BEEX_MAX_BLOCKS)
        blocks = BEEX_MAX_BLOCKS;
    if (!sde_fixed_done) {
        for (size_t i = 0; i < sizeof fixed_events / sizeof fixed_events[0]; i++)
            if (register_one(fixed_events[i].name, fixed_events[i].what, fixed_events[i].var) != 0)
                return -1;
        sde_fixed_done = 1;
    }
    for (int b = sde_blocks; b < blocks; b++) {
        char name[32];
        snprintf(name, sizeof name, "EXITS_BLOCK_%d", b + 1);
        if (register_one(name, "examples whose exit answered after this block", &c_exits[b]) != 0)
            return -1;
    }
    if (blocks > sde_blocks)
        sde_blocks = blocks;
    return 0;
}

int beex_sde_init(int blocks)
{
    if (sde_handle == NULL) {
        sde_handle = papi_sde_init("beex");
        if (sde_handle == NULL)
            return -1;
    }
    return register_all(blocks);
}

/* PAPI's convention for listing a library's events without running it: `papi_native_avail
 * -sde FILE` dlopens FILE (and what ldd lists for it) and calls this hook with libsde's
 * functions. FILE is build/release/libbeex_sde.so: `beex` itself is a static PIE, which
 * cannot be dlopened. Exposes the default 6 exits. Default visibility: the shared library
 * hides every other symbol. */
__attribute__((visibility("default"))) papi_handle_t
papi_sde_hook_list_events(papi_sde_fptr_struct_t *fptr_struct)
{
    if (fptr_struct == NULL || fptr_struct->init == NULL || fptr_struct->register_counter == NULL)
        return NULL;
    sde_handle = fptr_struct->init("beex");
    if (sde_handle == NULL)
        return NULL;
    register_fn = fptr_struct->register_counter;
    describe_fn = fptr_struct->describe_counter;
    sde_blocks = 0;
    sde_fixed_done = 0;
    if (register_all(6) != 0)
        return NULL;
    return sde_handle;
}

void beex_sde_shutdown(void)
{
    if (sde_handle != NULL)
        papi_sde_shutdown(sde_handle);
    sde_handle = NULL;
    sde_blocks = 0;
    sde_fixed_done = 0;
}
#endif

void beex_sde_record(const beex_exit_result *res, int n)
{
    double flops = 0, bops = 0, iops = 0;
    for (int i = 0; i < n; i++) {
        flops += res[i].flops;
        bops += res[i].bops;
        iops += res[i].iops;
        int e = res[i].exit_block;
        if (e >= 1 && e <= sde_blocks)
            c_exits[e - 1]++;
    }
    c_examples += n;
    c_batches++;
    c_flops += llround(flops);
    c_bops += llround(bops);
    c_iops += llround(iops);
    c_ops += llround(beex_cost_ops(flops, iops, bops));
}

json_t *beex_sde_json(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "prefix", json_string("sde:::beex::"));
    /* Whether PAPI clients could read them during the run (a build without PAPI counts only). */
    json_object_set_new(o, "published_to_papi", json_boolean(BEEX_HAVE_PAPI));
    for (size_t i = 0; i < sizeof fixed_events / sizeof fixed_events[0]; i++)
        json_object_set_new(o, fixed_events[i].name, json_integer(*fixed_events[i].var));
    /* Keys are the event names PAPI lists (EXITS_BLOCK_1, ...), not an array of them. */
    for (int b = 0; b < sde_blocks; b++) {
        char name[32];
        snprintf(name, sizeof name, "EXITS_BLOCK_%d", b + 1);
        json_object_set_new(o, name, json_integer(c_exits[b]));
    }
    return o;
}
