#include "harness/cli/cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/atomic_file.h"
#include "harness/text/dataset.h"
#include "kernels/cpu.h"

int beex_arg_int(const char *cmd, const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    /* Range-check the long before narrowing: a cast of an out-of-range value could wrap
     * back into [lo, hi]. */
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "beex %s: --%s needs an integer in [%d, %d], got '%s'\n", cmd, opt, lo, hi,
                s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int beex_arg_double(const char *cmd, const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v)) {
        fprintf(stderr, "beex %s: --%s needs a finite number, got '%s'\n", cmd, opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int beex_arg_output(const char *cmd, const char *opt, const char *path)
{
    char err[512];
    if (beex_check_output_file(path, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "beex %s: --%s: %s\n", cmd, opt, err);
    return -1;
}

int beex_arg_output_not_input(const char *cmd, const char *opt, const char *out, const char *what,
                              const char *in)
{
    if (!beex_same_file(out, in))
        return 0;
    fprintf(stderr, "beex %s: --%s %s is %s %s: the output would replace it; give another path\n",
            cmd, opt, out, what, in);
    return -1;
}

int beex_arg_output_not_task(const char *cmd, const char *opt, const char *out, const char *task)
{
    static const char *const files[] = {"train.tsv", "dev.tsv", "test.tsv", "labels.txt"};
    char dir[4096], err[512], path[4200], what[64];
    if (beex_dataset_resolve(task, dir, sizeof dir, err, sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        snprintf(what, sizeof what, "the task's %s", files[i]);
        if (beex_arg_output_not_input(cmd, opt, out, what, path) != 0)
            return -1;
    }
    return 0;
}

int beex_list_has_empty_field(const char *s)
{
    if (s[0] == '\0' || s[0] == ',')
        return 1;
    for (const char *p = s; *p; p++)
        if (*p == ',' && (p[1] == ',' || p[1] == '\0'))
            return 1;
    return 0;
}

int beex_arg_int_list(const char *cmd, const char *opt, const char *s, int lo, int hi, int *out,
                      int cap)
{
    int n = 0;
    const char *p = s;
    if (!beex_list_has_empty_field(s))
        for (;;) {
            char *end;
            errno = 0;
            long v = strtol(p, &end, 10);
            if (end == p || errno != 0 || v < lo || v > hi || n >= cap ||
                (*end != ',' && *end != '\0') || *p == ' ' || *p == '+')
                break;
            out[n++] = (int)v;
            if (*end == '\0')
                return n;
            p = end + 1;
        }
    fprintf(stderr,
            "beex %s: --%s needs a comma list of at most %d integers in [%d, %d], got '%s'\n", cmd,
            opt, cap, lo, hi, s);
    return -1;
}

int beex_arg_variants(const char *cmd, const char *opt, const char *s, int pick_order, int *out)
{
    char known[128], buf[128];
    beex_isa_names_joined(known, sizeof known, 1, ", ", ", ");
    if (strcmp(s, "all") == 0) {
        int n = beex_isa_available_list(pick_order, out);
        if (n == 0)
            fprintf(stderr, "beex %s: --%s all: no variant runs on this CPU\n", cmd, opt);
        return n > 0 ? n : -1;
    }
    if (beex_list_has_empty_field(s) || snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf) {
        fprintf(stderr, "beex %s: --%s needs 'all' or a comma list of %s, got '%s'\n", cmd, opt,
                known, s);
        return -1;
    }
    int n = 0, seen[BEEX_ISA_COUNT] = {0};
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        int isa = beex_isa_parse(w);
        const char *why = NULL;
        if (isa < 0) {
            fprintf(stderr, "beex %s: --%s: unknown variant '%s' (%s, or all)\n", cmd, opt, w,
                    known);
            return -1;
        }
        if (seen[isa]) {
            fprintf(stderr, "beex %s: --%s: variant %s is listed twice\n", cmd, opt, w);
            return -1;
        }
        if (!beex_isa_available((beex_isa)isa, &why)) {
            fprintf(stderr, "beex %s: --%s: variant %s is not available here: %s\n", cmd, opt, w,
                    why);
            return -1;
        }
        seen[isa] = 1;
        out[n++] = isa;
    }
    return n;
}
