#include "harness/report/context.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "beex_build_info.h" /* generated at configure time: revision, build type, flags */
#include "beex_gitrev.h"     /* generated at every build: revision and dirty marker */
#include "harness/base/fingerprint.h"
#include "harness/base/threads.h"
#include "kernels/cpu.h"

static void read_cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) == 0 || strncmp(line, "CPU part", 8) == 0) {
            char *colon = strchr(line, ':');
            if (colon != NULL) {
                colon++;
                while (*colon == ' ' || *colon == '\t')
                    colon++;
                colon[strcspn(colon, "\n")] = '\0';
                snprintf(buf, len, "%s", colon);
                break;
            }
        }
    }
    fclose(f);
}

/* The CPU's ISA flags as the kernel lists them ("flags" on x86, "Features" on arm64). */
static json_t *read_cpu_flags(void)
{
    json_t *a = json_array();
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return a;
    char line[8192];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "flags", 5) != 0 && strncmp(line, "Features", 8) != 0)
            continue;
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        char *save = NULL;
        for (char *t = strtok_r(colon + 1, " \t\n", &save); t != NULL;
             t = strtok_r(NULL, " \t\n", &save))
            json_array_append_new(a, json_string(t));
        break;
    }
    fclose(f);
    return a;
}

static double read_mhz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    double mhz = 0;
    if (f == NULL)
        return 0;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "cpu MHz", 7) == 0 && sscanf(strchr(line, ':') + 1, "%lf", &mhz) == 1)
            break;
    fclose(f);
    return mhz;
}

json_t *beex_context_json(void)
{
    json_t *c = json_object();
    char buf[256];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(c, "date", json_string(buf));
    if (gethostname(buf, sizeof buf) == 0) {
        buf[sizeof buf - 1] = '\0';
        json_object_set_new(c, "host_name", json_string(buf));
    }
    struct utsname u;
    if (uname(&u) == 0) {
        json_object_set_new(c, "machine", json_string(u.machine));
        json_object_set_new(c, "kernel", json_string(u.release));
    }
    read_cpu_model(buf, sizeof buf);
    json_object_set_new(c, "cpu_model", json_string(buf));
    json_object_set_new(c, "num_cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(c, "mhz_per_cpu", json_real(read_mhz()));
    json_object_set_new(c, "cpu_scaling_note",
                        json_string("VM clock drifts; compare ratios measured in the same run"));
    json_t *isas = json_object();
    for (int i = 0; i < BEEX_ISA_COUNT; i++) {
        const char *why = NULL;
        int ok = beex_isa_available((beex_isa)i, &why);
        json_object_set_new(isas, beex_isa_name((beex_isa)i),
                            ok ? json_string("available") : json_string(why));
    }
    json_object_set_new(c, "variants", isas);
    int forced = beex_isa_forced();
    json_object_set_new(c, "forced_variant",
                        forced >= 0 ? json_string(beex_isa_name((beex_isa)forced)) : json_null());
    json_object_set_new(c, "library_build_type", json_string(BEEX_BUILD_TYPE));
    json_object_set_new(c, "compiler", json_string(BEEX_COMPILER));
    json_object_set_new(c, "optional_libraries", json_string(beex_build_libraries()));
    json_object_set_new(c, "compile_flags", json_string(BEEX_BUILD_FLAGS));
    json_object_set_new(c, "variant_compile_flags", json_string(BEEX_VARIANT_FLAGS));
    json_object_set_new(c, "cpu_flags", read_cpu_flags());
    json_object_set_new(c, "git_revision", json_string(BEEX_GIT_REVISION));
    json_object_set_new(c, "git_dirty",
                        strcmp(BEEX_GIT_DIRTY, "unknown") == 0
                            ? json_null()
                            : json_boolean(strcmp(BEEX_GIT_DIRTY, "true") == 0));
    char exe[4096], sha[65];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        json_object_set_new(c, "binary",
                            beex_file_sha256(exe, sha) == 0
                                ? json_pack("{s:s, s:s}", "path", exe, "sha256", sha)
                                : json_pack("{s:s, s:s}", "path", exe, "error", "cannot read"));
    }
    json_object_set_new(c, "threads", beex_threads_describe());
    return c;
}

const char *beex_build_libraries(void)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "libxsmm %s, PAPI %s, oneDNN %s", BEEX_HAVE_LIBXSMM ? "yes" : "no",
             BEEX_HAVE_PAPI ? "yes" : "no", BEEX_HAVE_DNNL ? "yes" : "no");
    return buf;
}

const char *beex_build_version(void)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s (%s build, %s)", BEEX_GIT_REV, BEEX_BUILD_TYPE, BEEX_COMPILER);
    return buf;
}
