/* The "system" section: what context.c does not already record for every results file (the
 * bundle's "context" holds that: CPU model and flags, hwloc summary, allowed CPUs, compiler,
 * git revision, variants), plus the load before the run. */
#include <stdio.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/report/system_probe.h"

json_t *beex_machine_system_json(const double load_before[3])
{
    json_t *o = beex_system_probe_json();
    int cpus[BEEX_MACHINE_MAX_CPUS], cores[BEEX_MACHINE_MAX_CPUS];
    int n = beex_system_allowed_cpus(0, cpus, BEEX_MACHINE_MAX_CPUS);
    int nc = beex_system_allowed_cpus(1, cores, BEEX_MACHINE_MAX_CPUS);
    json_t *a = json_array(), *b = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer(cpus[i]));
    for (int i = 0; i < nc; i++)
        json_array_append_new(b, json_integer(cores[i]));
    json_object_set_new(o, "allowed_cpus", a);
    json_object_set_new(o, "allowed_core_first_cpus", b);
    json_object_set_new(o, "allowed_cores", json_integer(nc > 0 ? nc : 0));
    json_object_set_new(o, "load_avg_before",
                        json_pack("[f, f, f]", load_before[0], load_before[1], load_before[2]));
    return o;
}
