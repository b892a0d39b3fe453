/* `beex variants`: every kernel variant, whether this machine runs it (or why not), and the
 * variant each operation family uses now, read from the kernel registry. */
#include <getopt.h>
#include <stdio.h>

#include "harness/cli/commands.h"
#include "kernels/cpu.h"
#include "kernels/registry.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex variants [--help]\n"
            "Lists the kernel variants (available, or the reason not), and for each operation\n"
            "family the variants it has and the one in use. BEEX_ISA=<variant> forces one;\n"
            "one this CPU or build cannot run is listed as such, with exit status 2.\n");
}

int beex_cmd_variants(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "beex variants: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    /* A BEEX_ISA this CPU or build cannot run is shown, not refused: this listing is where one
     * finds out why. The exit status stays 2, what every command that runs kernels answers to
     * it, so that scripts asking `BEEX_ISA=x beex variants` whether x runs here get "no". */
    char env_err[256];
    int env_ok = beex_isa_check_env(env_err, sizeof env_err) == BEEX_OK;
    int forced = beex_isa_forced();
    char order[128];
    printf("variants (preference order: %s; forced: %s)\n",
           beex_isa_names_joined(order, sizeof order, 1, ", ", ", "),
           !env_ok       ? env_err
           : forced >= 0 ? beex_isa_name((beex_isa)forced)
                         : "no");
    for (int i = 0; i < BEEX_ISA_COUNT; i++) {
        const char *why = NULL;
        int ok = beex_isa_available((beex_isa)i, &why);
        printf("  %-8s %s%s\n", beex_isa_name((beex_isa)i),
               ok ? "available" : "unavailable: ", ok ? "" : why);
    }

    const beex_op_family *const *fam = NULL;
    size_t n = beex_op_families(&fam);
    printf("\noperation families%s\n",
           env_ok ? "" : " (as chosen without BEEX_ISA; commands that run kernels refuse it)");
    for (size_t f = 0; f < n; f++) {
        printf("  %-11s uses %-8s has:", fam[f]->name, fam[f]->variant());
        for (int i = 0; i < BEEX_ISA_COUNT; i++)
            if (fam[f]->has((beex_isa)i))
                printf(" %s", beex_isa_name((beex_isa)i));
        printf("   (%s)\n", fam[f]->description);
    }
    if (!env_ok) {
        fprintf(stderr, "beex variants: %s\n", env_err);
        return 2;
    }
    return 0;
}
