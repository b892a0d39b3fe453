/* TEMPORARY during parallel development: weak fallbacks so the program links while
 * subcommands land one by one. Each cmd_<name>.c overrides its symbol. This file is
 * deleted once every command exists. */
#include <stdio.h>

#include "harness/cli/commands.h"

#define FALLBACK(fn, label)                                                                        \
    __attribute__((weak)) int fn(int argc, char **argv)                                            \
    {                                                                                              \
        (void)argc;                                                                                \
        (void)argv;                                                                                \
        fprintf(stderr, "beex: '%s' is not implemented in this build\n", label);                   \
        return 1;                                                                                  \
    }

FALLBACK(beex_cmd_variants, "variants")
FALLBACK(beex_cmd_bench_gemm, "bench gemm")
FALLBACK(beex_cmd_bench_model, "bench model")
FALLBACK(beex_cmd_init, "init")
FALLBACK(beex_cmd_export, "export")
FALLBACK(beex_cmd_run, "run")
FALLBACK(beex_cmd_data_stats, "data stats")
FALLBACK(beex_cmd_train, "train")
FALLBACK(beex_cmd_eval, "eval")
FALLBACK(beex_cmd_sweep, "sweep")
FALLBACK(beex_cmd_merge, "merge")
FALLBACK(beex_cmd_compare, "compare")
