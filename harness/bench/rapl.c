/* powercap's package domains are the directories intel-rapl:K (K a number, no second colon:
 * intel-rapl:K:J are their sub-domains, already counted in the package). */
#include "harness/bench/rapl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_number(const char *path, double *v, int *err_no)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        *err_no = errno;
        return -1;
    }
    int ok = fscanf(f, "%lf", v) == 1;
    *err_no = ok ? 0 : EIO;
    fclose(f);
    return ok ? 0 : -1;
}

int beex_rapl_open(beex_rapl *r, const char *root)
{
    memset(r, 0, sizeof *r);
    if (root == NULL)
        root = "/sys/class/powercap";
    DIR *d = opendir(root);
    if (d == NULL) {
        snprintf(r->reason, sizeof r->reason,
                 "unavailable: %s cannot be opened (%s): no powercap energy counters (a VM, or "
                 "a CPU or kernel without RAPL)",
                 root, strerror(errno));
        return 0;
    }
    struct dirent *e;
    int denied = 0, domains = 0;
    char names[8][64];
    while ((e = readdir(d)) != NULL && domains < 8) {
        const char *nm = e->d_name;
        if (strncmp(nm, "intel-rapl:", 11) != 0 || strchr(nm + 11, ':') != NULL)
            continue;
        snprintf(names[domains++], sizeof names[0], "%.60s", nm);
    }
    closedir(d);
    /* readdir's order is the file system's: sort, so the bundle lists domains the same way. */
    for (int i = 1; i < domains; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            memcpy(t, names[j], sizeof t), memcpy(names[j], names[j - 1], sizeof t);
            memcpy(names[j - 1], t, sizeof t);
        }
    for (int i = 0; i < domains; i++) {
        char p[sizeof r->path[0]], q[sizeof r->path[0]];
        double v, range;
        int en;
        snprintf(p, sizeof p, "%.200s/%.60s/energy_uj", root, names[i]);
        snprintf(q, sizeof q, "%.200s/%.60s/max_energy_range_uj", root, names[i]);
        if (read_number(p, &v, &en) != 0) {
            denied |= en == EACCES || en == EPERM;
            continue;
        }
        if (read_number(q, &range, &en) != 0)
            range = 0.0;
        snprintf(r->path[r->n], sizeof r->path[0], "%s", p);
        r->range_uj[r->n++] = range;
    }
    if (r->n > 0)
        return 1;
    if (domains == 0)
        snprintf(r->reason, sizeof r->reason,
                 "unavailable: %s has no intel-rapl:K package domain (no RAPL exposed here)", root);
    else if (denied)
        snprintf(r->reason, sizeof r->reason,
                 "unavailable: %s/intel-rapl:*/energy_uj is not readable by this user (root "
                 "only since Linux 5.10, CVE-2020-8694)",
                 root);
    else
        snprintf(r->reason, sizeof r->reason, "unavailable: %s/intel-rapl:*/energy_uj unreadable",
                 root);
    return 0;
}

int beex_rapl_start(beex_rapl *r)
{
    int en;
    for (int i = 0; i < r->n; i++)
        if (read_number(r->path[i], &r->start_uj[i], &en) != 0)
            return -1;
    return r->n > 0 ? 0 : -1;
}

double beex_rapl_joules(const beex_rapl *r)
{
    double total = 0.0;
    int en;
    if (r->n == 0)
        return -1.0;
    for (int i = 0; i < r->n; i++) {
        double now;
        if (read_number(r->path[i], &now, &en) != 0)
            return -1.0;
        double d = now - r->start_uj[i];
        if (d < 0.0 && r->range_uj[i] > 0.0)
            d += r->range_uj[i];
        total += d;
    }
    return total * 1e-6;
}
