/* A roofline per machine: its measured ceilings (bit-MAC/s and fp32 FLOP/s on all cores, the
 * triad's bandwidth) and every kernel of its bundle placed by arithmetic intensity (work per
 * byte of operands and result: packed bits for w1a1, floats for fp32). The data file is
 * plain columns for plots/machine_roofline.gp; gnuplot, where installed, draws the PNG into
 * plots/out/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/base/atomic_file.h"

/* A name usable in a file name: letters, digits, '-' and '.', the rest '_'. */
static void file_name(const char *name, char *out, size_t len)
{
    size_t k = 0;
    for (; name[k] != '\0' && k + 1 < len; k++) {
        char ch = name[k];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '-' || ch == '.';
        out[k] = ok ? ch : '_';
    }
    out[k] = '\0';
}

static int write_data(const beex_machine_figures *f, const char *path, char *err, size_t errlen)
{
    beex_atomic_file af;
    if (beex_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    const json_t *lim = json_object_get(f->doc, "limits");
    const char *best = json_string_value(
        json_array_get(json_object_get(json_object_get(f->doc, "settings"), "variants"), 0));
    int team = (int)json_integer_value(json_array_get(
        json_object_get(json_object_get(f->doc, "settings"), "threads"),
        json_array_size(json_object_get(json_object_get(f->doc, "settings"), "threads")) - 1));
    double peak_b = best != NULL ? beex_machine_limit_bmacs(lim, best, team) : NAN;
    double peak_f = beex_machine_limit_flops(lim, team);
    fprintf(af.f, "# roofline of %s: ceilings on %d threads, then one kernel per line\n", f->name,
            team);
    fprintf(af.f, "# peak_bmac_per_s %.6g\n# peak_flop_per_s %.6g\n# bandwidth_bytes_per_s %.6g\n",
            peak_b, peak_f, f->mem_bytes_per_s);
    fprintf(af.f, "# op variant M N K threads intensity_per_byte work_per_s\n");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(f->doc, "kernels"), i, r)
    {
        const char *op = json_string_value(json_object_get(r, "op"));
        double m = (double)json_integer_value(json_object_get(r, "M"));
        double n = (double)json_integer_value(json_object_get(r, "N"));
        double k = (double)json_integer_value(json_object_get(r, "K"));
        int fp = op != NULL && strcmp(op, "fp32") == 0;
        double bytes = fp ? 4.0 * (m * k + n * k + m * n) : (m * k + n * k) / 8.0 + 4.0 * m * n;
        double work = m * n * k * (fp ? 2.0 : 1.0);
        double rate = work / json_number_value(json_object_get(r, "median_seconds"));
        fprintf(af.f, "%s %s %.0f %.0f %.0f %lld %.6g %.6g\n", op != NULL ? op : "?",
                json_string_value(json_object_get(r, "variant")), m, n, k,
                json_integer_value(json_object_get(r, "threads")), work / bytes, rate);
    }
    return beex_atomic_commit(&af, err, errlen);
}

/* gnuplot on the PATH, without a shell. */
static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    char dir[4096], p[4200];
    while (path != NULL && *path) {
        size_t len = strcspn(path, ":");
        snprintf(dir, sizeof dir, "%.*s", (int)len, path);
        snprintf(p, sizeof p, "%s/gnuplot", dir[0] ? dir : ".");
        if (access(p, X_OK) == 0)
            return 1;
        path += len + (path[len] == ':');
    }
    return 0;
}

static int run_gnuplot(const char *script, const char *data, const char *png, const char *title)
{
    char expr[10000];
    snprintf(expr, sizeof expr, "data='%.4400s'; out='%.4400s'; name='%.200s'", data, png, title);
    pid_t p = fork();
    if (p < 0)
        return -1;
    if (p == 0) {
        execlp("gnuplot", "gnuplot", "-e", expr, script, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (waitpid(p, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int beex_machine_roofline(const beex_machine_figures *f, int nf, const char *out_dir,
                          const char *plots_dir, json_t *notes, char *err, size_t errlen)
{
    char script[4200], out_png[4200];
    snprintf(script, sizeof script, "%s/machine_roofline.gp", plots_dir);
    snprintf(out_png, sizeof out_png, "%s/out", plots_dir);
    int gp = have_gnuplot() && access(script, R_OK) == 0;
    if (gp)
        mkdir(out_png, 0777); /* plots/out/ is not committed; it may not exist yet */
    int drawn = 0;
    for (int i = 0; i < nf; i++) {
        char base[100], data[4400], png[4400];
        file_name(f[i].name, base, sizeof base);
        for (int j = 0; j < i; j++) /* two bundles of one name: the later gets its index */
            if (strcmp(f[j].name, f[i].name) == 0) {
                size_t len = strlen(base);
                snprintf(base + len, sizeof base - len, "-%d", i + 1);
                break;
            }
        snprintf(data, sizeof data, "%.4000s/roofline-%s.dat", out_dir, base);
        if (write_data(&f[i], data, err, errlen) != 0)
            return -1;
        char note[800];
        snprintf(note, sizeof note,
                 "%s: roofline data `roofline-%s.dat` (plot: `gnuplot -e \"data='roofline-%s.dat'; "
                 "out='roofline-%s.png'\" plots/machine_roofline.gp`)",
                 f[i].name, base, base, base);
        json_array_append_new(notes, json_string(note));
        snprintf(png, sizeof png, "%.4000s/machine-roofline-%s.png", out_png, base);
        if (gp && run_gnuplot(script, data, png, f[i].name) == 0)
            drawn++;
    }
    /* Said on stdout, not in the README: the tables must not depend on whether this machine
     * has gnuplot. */
    if (!have_gnuplot())
        printf("gnuplot not found: the roofline data and the tables are written, no PNG\n");
    else if (!gp)
        printf("%s not found (run from the repository root): no PNG\n", script);
    else
        printf("rooflines: %d PNG%s in %s\n", drawn, drawn == 1 ? "" : "s", out_png);
    return 0;
}
