/* `beex`: the suite's single program. Dispatches to one subcommand per file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness/base/atomic_file.h"
#include "harness/base/threads.h"
#include "harness/cli/commands.h"
#include "harness/report/context.h"
#include "kernels/cpu.h"

static int fcntl_stdout_closed(void)
{
    return fcntl(STDOUT_FILENO, F_GETFD) == -1 && errno == EBADF;
}

/* What main must know of a command before it starts it. */
enum {
    /* Runs kernels: refuses a BEEX_ISA this CPU or build cannot run before any work. */
    RUNS_KERNELS = 0,
    /* Runs no kernel (it reads, writes or lists files): starts whatever BEEX_ISA says, so that
     * `beex variants` can show why a forced variant is unusable and results can be compared
     * or merged on any machine. */
    NO_KERNELS = 1,
    /* Exit status 1 is an answer (compare: "regression"), so output that could not be written
     * exits 2, the status of a failed comparison, rather than 1. */
    EXIT1_IS_VERDICT = 2
};

typedef struct {
    const char *name; /* "bench gemm": two words when the command has a group */
    int (*fn)(int, char **);
    const char *help;
    unsigned flags;
} command;

static const command commands[] = {
    {"variants", beex_cmd_variants,
     "list kernel variants, why any is missing, which each operation uses", NO_KERNELS},
    {"bench gemm", beex_cmd_bench_gemm,
     "binarized GEMM benchmark against bounds, scalar and libxsmm fp32", RUNS_KERNELS},
    {"bench model", beex_cmd_bench_model,
     "whole-model throughput and latency per precision and variant", RUNS_KERNELS},
    {"bench train", beex_cmd_bench_train,
     "training throughput (examples/s, GFLOP/s) per shape, precision and threads", RUNS_KERNELS},
    {"init", beex_cmd_init, "write a checkpoint with seeded random weights", NO_KERNELS},
    {"export", beex_cmd_export, "checkpoint -> deployment file (packed bits + alpha, or int8)",
     NO_KERNELS},
    {"quantize", beex_cmd_quantize, "calibrate a checkpoint's w8a8 activation scales on data",
     RUNS_KERNELS},
    {"run", beex_cmd_run, "run a model on examples from standard input, one JSON line each",
     RUNS_KERNELS},
    {"data stats", beex_cmd_data_stats, "examples, classes, lengths and coverage of a task",
     NO_KERNELS},
    {"data prepare", beex_cmd_data_prepare,
     "unpacked package -> train/dev/test.tsv (used by datasets/fetch.sh)", NO_KERNELS},
    {"train", beex_cmd_train, "binarization-aware training on a task", RUNS_KERNELS},
    {"eval", beex_cmd_eval, "accuracy at full depth and per exit on a task", RUNS_KERNELS},
    {"sweep", beex_cmd_sweep, "exit-threshold sweep: trace, replay, timed Pareto points",
     RUNS_KERNELS},
    {"study", beex_cmd_study, "tasks x precisions x seeds (or folds): train, sweep, table",
     RUNS_KERNELS},
    {"merge", beex_cmd_merge, "merge results from several machines", NO_KERNELS},
    {"compare", beex_cmd_compare, "regression verdict between two results files",
     NO_KERNELS | EXIT1_IS_VERDICT},
    {"machine run", beex_cmd_machine_run, "measure this machine into one bundle", RUNS_KERNELS},
    {"machine reference", beex_cmd_machine_reference,
     "record the accuracy a machine bundle is checked against", RUNS_KERNELS},
    {"machine report", beex_cmd_machine_report, "machine bundles side by side: tables, plots",
     NO_KERNELS},
    {"trace convert", beex_cmd_trace_convert,
     "another tool's exit trace (CSV, or beex's own) -> beex-exit-trace/1 JSON lines", NO_KERNELS},
    {"history record", beex_cmd_history_record,
     "measure this build (or --binary) and append it to the performance history", NO_KERNELS},
    {"history backfill", beex_cmd_history_backfill,
     "build and measure past commits REV..REV into the history (resumable)", NO_KERNELS},
    {"history changes", beex_cmd_history_changes, "change points in every series of a history",
     NO_KERNELS},
    {"history report", beex_cmd_history_report, "the history as one static HTML dashboard",
     NO_KERNELS},
    {"history bisect", beex_cmd_history_bisect,
     "git bisect run on a deterministic count: the first commit that made NAME slower",
     NO_KERNELS | EXIT1_IS_VERDICT},
    {"history gate", beex_cmd_history_gate,
     "this build against the history's last record (CI): counts, and timed with a U test",
     NO_KERNELS | EXIT1_IS_VERDICT},
};

/* Output a command printed but the system could not keep (a full disk, a closed stdout) is a
 * failure of the whole command: checked once here, for every command, at the end. It exits
 * 1, a runtime error, or 2 where 1 would read as the command's answer (EXIT1_IS_VERDICT). */
static int finish(int status, unsigned flags)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int saved = errno;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        fprintf(stderr, "beex: cannot write standard output: %s\n",
                saved ? strerror(saved) : "I/O error");
        if (flags & EXIT1_IS_VERDICT)
            return 2;
        return status == 0 || status == 2 ? 1 : status;
    }
    return status;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: beex [--strict-threads] COMMAND [options]   (beex COMMAND --help, or beex\n"
            "       help COMMAND)\n"
            "       beex --version\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
    char names[128];
    fprintf(out,
            "\nBEEX_ISA=%s forces one kernel variant.\n"
            "--strict-threads (or BEEX_STRICT_THREADS=1): asking for more threads than the\n"
            "cores this process may use (taskset, cpuset, Slurm) is an error, not a cap.\n"
            "Exit status: 0 success; 1 a runtime error (bad input file, failed run, a\n"
            "regression found by compare); 2 a usage error (unknown command or option, a\n"
            "value out of range, a forced variant this CPU lacks).\n",
            beex_isa_names_joined(names, sizeof names, 0, "|", "|"));
}

/* The commands of a group ("bench" -> "bench gemm", "bench model"), for `beex bench`. */
static int group_usage(FILE *out, const char *group)
{
    int n = 0;
    size_t glen = strlen(group);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strncmp(commands[i].name, group, glen) == 0 && commands[i].name[glen] == ' ') {
            if (n++ == 0)
                fprintf(out, "usage: beex %s SUBCOMMAND [options]\n\n", group);
            fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
        }
    return n;
}

/* Runs one command: argv[0] is its name. A command that runs kernels refuses a BEEX_ISA this
 * CPU or build cannot run before it opens anything (kernels/cpu.c would otherwise fall back
 * to automatic selection without a word); its --help, the first option as `beex help CMD`
 * puts it, runs no kernel and is shown whatever BEEX_ISA says. */
static int start(const command *cmd, int argc, char **argv)
{
    int help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
    char err[256];
    if (!(cmd->flags & NO_KERNELS) && !help && beex_isa_check_env(err, sizeof err) != BEEX_OK) {
        fprintf(stderr, "beex %s: %s\n", cmd->name, err);
        return 2;
    }
    return finish(cmd->fn(argc, argv), cmd->flags);
}

int main(int argc, char **argv)
{
    /* jansson seeds its hash tables from /dev/urandom, which makes the heap's layout, and with
     * it callgrind's instruction counts (the history, the perf gate), differ between runs of
     * the same command. The suite reads only its own and its users' files, so a fixed seed
     * costs no safety that matters here. */
    json_object_seed(1);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("beex %s\n", beex_build_version());
        printf("optional libraries: %s\n", beex_build_libraries());
        return finish(0, 0);
    }
    /* A global option before the command: more threads than allowed cores is an error. */
    const char *strict_env = getenv("BEEX_STRICT_THREADS");
    if (strict_env != NULL && strcmp(strict_env, "") != 0 && strcmp(strict_env, "0") != 0)
        beex_threads_set_strict(1);
    if (strcmp(argv[1], "--strict-threads") == 0) {
        beex_threads_set_strict(1);
        argv++;
        argc--;
        if (argc < 2) {
            usage(stderr);
            return 2;
        }
    }
    /* `beex help CMD [SUB]` is `beex CMD [SUB] --help`. */
    static char help_flag[] = "--help";
    char *help_argv[4];
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return finish(0, 0);
        }
        int k = 0;
        for (int i = 2; i < argc && k < 2; i++)
            help_argv[k++] = argv[i];
        help_argv[k++] = help_flag;
        help_argv[k] = NULL;
        argc = k + 1;
        for (int i = k; i >= 0; i--)
            argv[i + 1] = i < k ? help_argv[i] : NULL;
        argv[argc] = NULL;
    }
    /* With descriptor 1 closed, the next file opened (a model, a results file) would get it
     * and receive everything printed: refuse before anything is opened. */
    if (fcntl_stdout_closed()) {
        fprintf(stderr, "beex: standard output is closed; redirect it to a file or /dev/null\n");
        return 1;
    }
    beex_atomic_install_signal_cleanup();
    char name[64];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const char *space = strchr(commands[i].name, ' ');
        if (space == NULL) {
            if (strcmp(argv[1], commands[i].name) == 0)
                return start(&commands[i], argc - 1, argv + 1);
            continue;
        }
        size_t glen = (size_t)(space - commands[i].name);
        if (strlen(argv[1]) == glen && strncmp(argv[1], commands[i].name, glen) == 0 && argc >= 3 &&
            strcmp(argv[2], space + 1) == 0) {
            snprintf(name, sizeof name, "%s", commands[i].name);
            argv[2] = name;
            return start(&commands[i], argc - 2, argv + 2);
        }
    }
    /* A group alone ("beex bench") lists its subcommands. */
    if (argc == 2 && group_usage(stderr, argv[1]) > 0)
        return 2;
    if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) &&
        group_usage(stdout, argv[1]) > 0)
        return finish(0, 0);
    fprintf(stderr, "beex: unknown command '%s%s%s'\n\n", argv[1], argc >= 3 ? " " : "",
            argc >= 3 ? argv[2] : "");
    usage(stderr);
    return 2;
}
