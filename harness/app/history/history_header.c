/* A history record's header (history_measure.h's beex_history_record_header): the commit from
 * git, the machine from /proc/cpuinfo, the tools' versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/app/history/history_measure.h"
#include "harness/app/history/history_spawn.h"
#include "harness/report/history_file.h"

/* "2026-12-07T06:10:00+01:00" (git's %cI) as "2026-12-07T05:10:00Z". Returns 0 or -1. */
static int iso_to_utc(const char *in, char *out, size_t outlen)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char sign = 0;
    int oh = 0, om = 0, n = 0;
    if (sscanf(in, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    const char *z = in + n;
    if (*z == 'Z')
        sign = '+';
    else if (sscanf(z, "%c%d:%d", &sign, &oh, &om) != 3 || (sign != '+' && sign != '-'))
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    t -= (sign == '-' ? -1 : 1) * (time_t)(oh * 3600 + om * 60);
    struct tm u;
    if (gmtime_r(&t, &u) == NULL)
        return -1;
    return strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &u) > 0 ? 0 : -1;
}

/* The value of "key<spaces>: value" in /proc/cpuinfo's first processor. */
static int cpuinfo(const char *key, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return -1;
    char line[512];
    int found = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '\n')
            break; /* the first processor's block ends */
        if (strncmp(line, key, klen) != 0 ||
            (line[klen] != ' ' && line[klen] != '\t' && line[klen] != ':'))
            continue;
        const char *v = strchr(line, ':');
        if (v == NULL)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        snprintf(out, outlen, "%.*s", (int)strcspn(v, "\r\n"), v);
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

/* "<vendor>-<family>-<model>" (intel-6-207), or on aarch64 "arm-<implementer>-<part>"
 * (arm-41-d0c), and the CPU's name. */
static json_t *machine_json(void)
{
    char vendor[128], family[32], model[32], name[256], fp[256];
    if (cpuinfo("vendor_id", vendor, sizeof vendor) == 0 &&
        cpuinfo("cpu family", family, sizeof family) == 0 &&
        cpuinfo("model", model, sizeof model) == 0) {
        const char *v = strcmp(vendor, "GenuineIntel") == 0   ? "intel"
                        : strcmp(vendor, "AuthenticAMD") == 0 ? "amd"
                                                              : vendor;
        snprintf(fp, sizeof fp, "%s-%s-%s", v, family, model);
        if (cpuinfo("model name", name, sizeof name) != 0)
            snprintf(name, sizeof name, "%s", vendor);
    } else if (cpuinfo("CPU implementer", family, sizeof family) == 0 &&
               cpuinfo("CPU part", model, sizeof model) == 0) {
        const char *imp = strncmp(family, "0x", 2) == 0 ? family + 2 : family;
        const char *part = strncmp(model, "0x", 2) == 0 ? model + 2 : model;
        snprintf(fp, sizeof fp, "arm-%s-%s", imp, part);
        snprintf(name, sizeof name, "implementer %s part %s", family, model);
    } else {
        snprintf(fp, sizeof fp, "unknown");
        snprintf(name, sizeof name, "unknown (/proc/cpuinfo unreadable)");
    }
    /* The slug names a file: nothing but [a-z0-9-]. */
    for (char *p = fp; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '-';
    }
    return json_pack("{s:s, s:s}", "fingerprint", fp, "cpu", name);
}

/* A JSON string of s; bytes of invalid UTF-8 (a subject in another encoding) become '?'. */
static json_t *utf8_string(const char *s)
{
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    char *copy = strdup(s);
    if (copy == NULL)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

static char *git(const char *repo, const char *a, const char *b, const char *c, const char *d,
                 char *err, size_t errlen)
{
    const char *argv[] = {"git", "-C", repo, a, b, c, d, NULL};
    char tmpl[] = "/tmp/beex-git-err.XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file for git's errors");
        return NULL;
    }
    close(fd);
    char *out = beex_spawn_output(argv, NULL, tmpl, err, errlen);
    unlink(tmpl);
    return out;
}

json_t *beex_history_record_header(const char *repo, const char *commit, const char *compiler,
                                   char *err, size_t errlen)
{
    char rev[512], why[512], date[64], now[64];
    if (commit == NULL || commit[0] == '-' || commit[0] == '\0') {
        /* git would read a leading '-' as an option */
        snprintf(err, errlen, "'%s' is not a revision", commit != NULL ? commit : "");
        return NULL;
    }
    snprintf(rev, sizeof rev, "%s^{commit}", commit);
    char *full = git(repo, "rev-parse", "--verify", "--quiet", rev, why, sizeof why);
    if (full == NULL) {
        snprintf(err, errlen, "%s: not a commit of the git work tree %s (%s)", commit, repo, why);
        return NULL;
    }
    char *log = git(repo, "log", "-1", "--format=%cI%n%s", full, why, sizeof why);
    if (log == NULL) {
        snprintf(err, errlen, "git log of %s in %s: %s", full, repo, why);
        free(full);
        return NULL;
    }
    char *nl = strchr(log, '\n');
    const char *subject = nl != NULL ? nl + 1 : "";
    if (nl != NULL)
        *nl = '\0';
    if (iso_to_utc(log, date, sizeof date) != 0) {
        snprintf(err, errlen, "git gave an unreadable commit date '%s' for %s", log, full);
        free(full);
        free(log);
        return NULL;
    }
    time_t t = time(NULL);
    struct tm u;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &u));
    const char *vg_argv[] = {"valgrind", "--version", NULL};
    char *vg = beex_spawn_output(vg_argv, NULL, NULL, why, sizeof why);
    json_t *h =
        json_pack("{s:s, s:s, s:s, s:o, s:s}", "schema", BEEX_HISTORY_SCHEMA, "commit", full,
                  "commit_date", date, "subject", utf8_string(subject), "recorded", now);
    if (h != NULL) {
        if (compiler != NULL && compiler[0])
            json_object_set_new(h, "compiler", json_string(compiler));
        json_object_set_new(h, "valgrind", json_string(vg != NULL ? vg : "unavailable"));
        json_object_set_new(h, "machine", machine_json());
    } else {
        snprintf(err, errlen, "out of memory");
    }
    free(vg);
    free(full);
    free(log);
    return h;
}
