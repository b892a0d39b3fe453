/* The one-thread twin of an engine (engine_solo.h): its first across-examples worker. */
#include "harness/model/engine_solo.h"

#include "harness/model/engine_internal.h"

beex_engine *beex_engine_solo(beex_engine *e)
{
    if (e == NULL)
        return NULL;
    if (e->threads <= 1 || e->is_worker)
        return e;
    return beex_engine_workers(e) == 0 ? e->workers[0] : NULL;
}

int beex_engine_threads(const beex_engine *e)
{
    return e != NULL ? e->threads : 0;
}
