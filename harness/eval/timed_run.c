#include "harness/eval/timed_run.h"

#include <stdlib.h>

void beex_timed_run_free(beex_timed_run *r)
{
    free(r->seconds);
    r->seconds = NULL;
    if (r->hw != NULL)
        json_decref(r->hw);
    r->hw = NULL;
}
