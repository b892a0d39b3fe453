/* Reads /proc/cpuinfo, /sys/devices/system/cpu, hwloc and the auxiliary vector. */
#define _GNU_SOURCE
#include "harness/report/system_probe.h"

#include <errno.h>
#include <hwloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <openssl/crypto.h>

#if BEEX_HAVE_LIBXSMM
#include <libxsmm.h>
#endif
#if BEEX_HAVE_PAPI
#include <papi.h>
#endif

/* The first value of each wanted /proc/cpuinfo key (the first processor's). */
static json_t *cpu_id_json(void)
{
    static const char *const keys[] = {"vendor_id",        "cpu family",  "model",
                                       "stepping",         "microcode",   "CPU implementer",
                                       "CPU architecture", "CPU variant", "CPU part",
                                       "CPU revision",     "model name",  "cache size"};
    enum { NKEYS = sizeof keys / sizeof keys[0] };
    json_t *o = json_object();
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        json_object_set_new(o, "error", json_string("unavailable: /proc/cpuinfo unreadable"));
        return o;
    }
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        size_t klen = (size_t)(colon - line);
        while (klen > 0 && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
            klen--;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        for (int k = 0; k < NKEYS; k++)
            if (strlen(keys[k]) == klen && strncmp(line, keys[k], klen) == 0 &&
                json_object_get(o, keys[k]) == NULL)
                json_object_set_new(o, keys[k], json_string(v));
    }
    fclose(f);
    return o;
}

/* Every cache object hwloc knows, from L1 to the last level, with its size and sharing. */
static json_t *caches_json(void)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0)
        return json_string("unavailable: hwloc cannot load the topology");
    json_t *a = json_array();
    static const hwloc_obj_type_t types[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE,
                                             HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                             HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
    static const char *const names[] = {"L1d", "L1i", "L2", "L3", "L4", "L5"};
    for (int t = 0; t < 6; t++) {
        int n = hwloc_get_nbobjs_by_type(topo, types[t]);
        hwloc_obj_t c = hwloc_get_obj_by_type(topo, types[t], 0);
        if (n <= 0 || c == NULL || c->attr == NULL)
            continue;
        json_array_append_new(a,
                              json_pack("{s:s, s:I, s:i, s:i, s:i}", "level", names[t],
                                        "size_bytes", (json_int_t)c->attr->cache.size, "line_bytes",
                                        (int)c->attr->cache.linesize, "count", n, "pus_sharing_one",
                                        c->cpuset != NULL ? hwloc_bitmap_weight(c->cpuset) : -1));
    }
    hwloc_topology_destroy(topo);
    return a;
}

size_t beex_system_llc_bytes(void)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0)
        return 0;
    size_t size = 0;
    static const hwloc_obj_type_t types[] = {HWLOC_OBJ_L5CACHE, HWLOC_OBJ_L4CACHE,
                                             HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE,
                                             HWLOC_OBJ_L1CACHE};
    for (int t = 0; t < 5 && size == 0; t++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(topo, types[t], 0);
        if (c != NULL && c->attr != NULL)
            size = (size_t)c->attr->cache.size;
    }
    hwloc_topology_destroy(topo);
    return size;
}

int beex_system_allowed_cpus(int per_core, int *cpus, int cap)
{
    /* The mask granted at the first call: pinning a team later narrows the calling thread's
     * own mask to one CPU, which must not pass for what the process may use. */
    static cpu_set_t set;
    static int have;
    if (!have && sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    have = 1;
    int n = 0;
    if (!per_core) {
        for (int c = 0; c < CPU_SETSIZE && n < cap; c++)
            if (CPU_ISSET(c, &set))
                cpus[n++] = c;
        return n;
    }
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0)
        return -1;
    hwloc_obj_type_t unit =
        hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
    for (hwloc_obj_t o = hwloc_get_next_obj_by_type(topo, unit, NULL); o != NULL && n < cap;
         o = hwloc_get_next_obj_by_type(topo, unit, o)) {
        if (o->cpuset == NULL)
            continue;
        int pu;
        hwloc_bitmap_foreach_begin(pu, o->cpuset)
        {
            if (pu < CPU_SETSIZE && CPU_ISSET(pu, &set)) {
                cpus[n++] = pu;
                break;
            }
        }
        hwloc_bitmap_foreach_end();
    }
    hwloc_topology_destroy(topo);
    return n;
}

static int read_line(const char *path, char *buf, size_t len, int *err_no)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        *err_no = errno;
        return -1;
    }
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok) {
        *err_no = EIO;
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* Per allowed CPU, the logical CPUs of its physical core (the OS's own list). */
static json_t *siblings_json(void)
{
    int cpus[1024];
    int n = beex_system_allowed_cpus(0, cpus, 1024);
    if (n < 0)
        return json_string("unavailable: sched_getaffinity failed");
    json_t *o = json_object();
    for (int i = 0; i < n; i++) {
        char p[128], v[256], key[16];
        int en;
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
                 cpus[i]);
        snprintf(key, sizeof key, "%d", cpus[i]);
        if (read_line(p, v, sizeof v, &en) == 0) {
            json_object_set_new(o, key, json_string(v));
        } else {
            char why[300];
            snprintf(why, sizeof why, "unavailable: %s: %s", p, strerror(en));
            json_object_set_new(o, key, json_string(why));
        }
    }
    return o;
}

/* The frequency policy per cpufreq policy directory: governor, driver, limits in kHz. */
static json_t *cpufreq_json(void)
{
    const char *root = "/sys/devices/system/cpu/cpufreq";
    static const char *const files[] = {"scaling_governor", "scaling_driver",   "scaling_min_freq",
                                        "scaling_max_freq", "cpuinfo_min_freq", "cpuinfo_max_freq",
                                        "affected_cpus"};
    json_t *policies = json_object();
    for (int k = 0; k < 1024; k++) {
        char dir[128];
        snprintf(dir, sizeof dir, "%s/policy%d", root, k);
        if (access(dir, F_OK) != 0)
            continue;
        json_t *p = json_object();
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            char path[256], v[256];
            int en;
            snprintf(path, sizeof path, "%s/%s", dir, files[f]);
            if (read_line(path, v, sizeof v, &en) == 0)
                json_object_set_new(p, files[f], json_string(v));
        }
        char key[32];
        snprintf(key, sizeof key, "policy%d", k);
        json_object_set_new(policies, key, p);
    }
    if (json_object_size(policies) > 0)
        return policies;
    json_decref(policies);
    char why[256];
    snprintf(why, sizeof why,
             "unavailable: %s has no policy directory (%s): no cpufreq driver, typical of a VM",
             root, access(root, F_OK) == 0 ? "empty" : strerror(errno));
    return json_string(why);
}

static json_t *libraries_json(void)
{
    json_t *o = json_object();
    char buf[64];
    unsigned h = hwloc_get_api_version();
    snprintf(buf, sizeof buf, "%u.%u.%u", h >> 16, (h >> 8) & 0xff, h & 0xff);
    json_object_set_new(o, "hwloc", json_string(buf));
    json_object_set_new(o, "jansson", json_string(JANSSON_VERSION));
    json_object_set_new(o, "zlib", json_string(zlibVersion()));
    json_object_set_new(o, "openssl", json_string(OpenSSL_version(OPENSSL_VERSION)));
#ifdef _OPENMP
    snprintf(buf, sizeof buf, "%d", _OPENMP);
    json_object_set_new(o, "openmp_spec_date", json_string(buf));
#endif
#if BEEX_HAVE_LIBXSMM
    json_object_set_new(o, "libxsmm", json_string(LIBXSMM_VERSION));
#else
    json_object_set_new(o, "libxsmm", json_string("unavailable: built without libxsmm"));
#endif
#if BEEX_HAVE_PAPI
    snprintf(buf, sizeof buf, "%d.%d.%d", PAPI_VERSION_MAJOR(PAPI_VERSION),
             PAPI_VERSION_MINOR(PAPI_VERSION), PAPI_VERSION_REVISION(PAPI_VERSION));
    json_object_set_new(o, "papi", json_string(buf));
#else
    json_object_set_new(o, "papi", json_string("unavailable: built without PAPI"));
#endif
#if defined(__GLIBC__)
    snprintf(buf, sizeof buf, "%d.%d", __GLIBC__, __GLIBC_MINOR__);
    json_object_set_new(o, "glibc", json_string(buf));
#endif
    return o;
}

void beex_system_loadavg(double out[3])
{
    out[0] = out[1] = out[2] = -1.0;
    if (getloadavg(out, 3) != 3)
        out[0] = out[1] = out[2] = -1.0;
}

/* The architecture this binary was built for, as uname and /proc/cpuinfo name it. */
static const char *built_arch(void)
{
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#else
    return NULL;
#endif
}

int beex_system_emulated(json_t **signals)
{
    json_t *s = json_array();
    const char *env = getenv("BEEX_EMULATED");
    if (env != NULL && env[0] != '\0' && strcmp(env, "0") != 0)
        json_array_append_new(s, json_string("BEEX_EMULATED is set"));
    const char *arch = built_arch();
    /* qemu-user hands the guest its own auxiliary vector and uname, but /proc/cpuinfo is the
     * host's: an x86 "flags" line under an aarch64 binary (or ARM's "CPU implementer" under
     * an x86 one) means the instructions are translated. */
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL && arch != NULL) {
        char line[256];
        int x86 = 0, arm = 0;
        while (fgets(line, sizeof line, f) != NULL) {
            x86 |= strncmp(line, "vendor_id", 9) == 0;
            arm |= strncmp(line, "CPU implementer", 15) == 0;
        }
        fclose(f);
        if ((strcmp(arch, "aarch64") == 0 && x86) || (strcmp(arch, "x86_64") == 0 && arm))
            json_array_append_new(
                s, json_string(x86 ? "/proc/cpuinfo describes an x86 CPU under an aarch64 binary"
                                   : "/proc/cpuinfo describes an ARM CPU under an x86_64 binary"));
    } else if (f != NULL) {
        fclose(f);
    }
    /* Where the emulator is not that careful: an auxiliary vector or a uname of another
     * architecture than the binary's. */
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    struct utsname u;
    if (arch != NULL && uname(&u) == 0) {
        int arch_x86 = strcmp(arch, "x86_64") == 0;
        int plat_bad = plat != NULL && (strstr(plat, "86") != NULL) != arch_x86;
        int uname_bad = (strstr(u.machine, "86") != NULL) != arch_x86;
        if (plat_bad || uname_bad) {
            char m[200];
            snprintf(m, sizeof m, "AT_PLATFORM '%s' or uname '%s' is not the binary's %s",
                     plat != NULL ? plat : "?", u.machine, arch);
            json_array_append_new(s, json_string(m));
        }
    }
    int emulated = json_array_size(s) > 0;
    if (signals != NULL)
        *signals = s;
    else
        json_decref(s);
    return emulated;
}

json_t *beex_system_probe_json(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "cpu_id", cpu_id_json());
    json_object_set_new(o, "caches", caches_json());
    json_object_set_new(o, "llc_bytes", json_integer((json_int_t)beex_system_llc_bytes()));
    json_object_set_new(o, "thread_siblings", siblings_json());
    json_object_set_new(o, "cpufreq", cpufreq_json());
    json_object_set_new(o, "libraries", libraries_json());
    return o;
}
