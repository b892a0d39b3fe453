/* `beex bench gemm`'s options: the binarized GEMMs per variant, shape and thread count, with the
 * spread of the repetitions and three ratios measured in the same run (against the variant's
 * own in-register bound loop, the scalar variant and libxsmm fp32); with --op w8a8, the int8
 * GEMM against its int8 bound loop and its peers oneDNN and libxsmm. The run itself is
 * harness/app/gemm_bench_run.c. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/gemm_bench_run.h"
#include "harness/base/threads.h"
#include "harness/cli/cli_args.h"
#include "harness/cli/commands.h"
#include "kernels/igemm.h"

static void usage(FILE *out)
{
    char names[128];
    fprintf(
        out,
        "usage: beex bench gemm [options]\n"
        "  --shapes LIST     MxNxK[,MxNxK...]  (default: M=64 with K,N in {128,256,768,3072},\n"
        "                    then 1024x1024x1024 and 2048x2048x4096); the word bert-base\n"
        "                    stands for BERT-base's layers at 128 tokens: 128x768x768,\n"
        "                    128x3072x768, 128x768x3072 and 128x2304x768 (fused Q|K|V)\n"
        "  --quick           small shapes for CI: 64x128x128, 64x256x768, 256x256x1024\n"
        "  --variant LIST    %s or all (default: every available one, or BEEX_ISA)\n"
        "  --threads LIST    thread counts (default 1,2); threads are pinned one per core\n"
        "  --op LIST         w1a1,w1a32,w8a8 (default w1a1); w8a8 is the int8 GEMM\n"
        "                    (beex_igemm_w8a8) against its int8 bound loop and its peers,\n"
        "                    oneDNN's int8 matmul and libxsmm's int8 GEMM, timed in\n"
        "                    interleaved rounds; a peer not built in or failing says why\n"
        "  --reps N          timed repetitions per row after one warm-up (default 9)\n"
        "  --bound-seconds S shortest bound-loop run (default 0.002 s; runs match the kernel "
        "time)\n"
        "  --no-libxsmm      skip the libxsmm fp32 comparison (always skipped in a build\n"
        "                    without libxsmm: see beex --version) and the libxsmm int8 peer\n"
        "  --no-onednn       skip the oneDNN int8 peer of w8a8\n"
        "  --seed N          w8a8: the order of the interleaved rounds and the intervals'\n"
        "                    resamples (default 1)\n"
        "  --ceiling         every row on more than one thread also against its two-core (N-core)\n"
        "                    ceiling: the kernel alone pinned to each allowed core and on the\n"
        "                    threads, interleaved over --reps rounds; the ratio with its interval\n"
        "                    and whether it reaches 0.9 (table and JSON, key \"ceiling\")\n"
        "  --json FILE       write Google Benchmark JSON (repetitions, then mean, median,\n"
        "                    stddev and cv; times in ns), as GB's compare.py reads it; written\n"
        "                    atomically\n"
        "The scalar variant is always measured and reported (table and JSON), since every\n"
        "row's vs_scalar needs it.\n",
        beex_isa_names_joined(names, sizeof names, 0, ",", ","));
}

/* BERT-base's products at 128 tokens: O and the FFN's two, then Q|K|V fused. */
static const beex_gemm_shape bert_base[] = {
    {128, 768, 768}, {128, 3072, 768}, {128, 768, 3072}, {128, 2304, 768}};

static int parse_shapes(const char *arg, beex_gemm_bench_opts *o)
{
    o->nshapes = 0;
    const char *p = arg;
    if (beex_list_has_empty_field(arg)) /* "8x8x8," is a typo, not one shape */
        return -1;
    while (*p != '\0') {
        unsigned long long m, n, k;
        int used = 0;
        const size_t nb = sizeof bert_base / sizeof bert_base[0];
        if (strncmp(p, "bert-base", 9) == 0 && (p[9] == ',' || p[9] == '\0')) {
            if (o->nshapes + (int)nb > BEEX_GEMM_BENCH_MAX_SHAPES)
                return -1;
            for (size_t i = 0; i < nb; i++)
                o->shapes[o->nshapes++] = bert_base[i];
            p += 9 + (p[9] == ',');
            continue;
        }
        if (o->nshapes >= BEEX_GEMM_BENCH_MAX_SHAPES ||
            sscanf(p, "%llux%llux%llu%n", &m, &n, &k, &used) != 3 || m == 0 || n == 0 || k == 0 ||
            m > 65536 || n > 65536 || k > 1048576 ||
            (m * k + k * n + m * n) * 4 > (1ull << 32)) /* libxsmm's fp32 operands <= 4 GiB */
            return -1;
        o->shapes[o->nshapes++] = (beex_gemm_shape){(size_t)m, (size_t)n, (size_t)k};
        p += used;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return -1;
    }
    return o->nshapes > 0 ? 0 : -1;
}

static void default_shapes(beex_gemm_bench_opts *o, int quick)
{
    static const size_t dims[] = {128, 256, 768, 3072};
    o->nshapes = 0;
    if (quick) {
        o->shapes[o->nshapes++] = (beex_gemm_shape){64, 128, 128};
        o->shapes[o->nshapes++] = (beex_gemm_shape){64, 256, 768};
        o->shapes[o->nshapes++] = (beex_gemm_shape){256, 256, 1024};
        return;
    }
    for (int ki = 0; ki < 4; ki++)
        for (int ni = 0; ni < 4; ni++)
            o->shapes[o->nshapes++] = (beex_gemm_shape){64, dims[ni], dims[ki]};
    o->shapes[o->nshapes++] = (beex_gemm_shape){1024, 1024, 1024};
    o->shapes[o->nshapes++] = (beex_gemm_shape){2048, 2048, 4096};
}

/* Comma-separated list of words; calls fn on each. */
static int each_word(const char *arg, int (*fn)(const char *, beex_gemm_bench_opts *),
                     beex_gemm_bench_opts *o)
{
    char buf[256];
    /* "8x8x8," or "1,,2" is a typo, not a shorter list. */
    if (beex_list_has_empty_field(arg) || snprintf(buf, sizeof buf, "%s", arg) >= (int)sizeof buf)
        return -1;
    char *save = NULL;
    int count = 0;
    for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save), count++)
        if (fn(w, o) != 0)
            return -1;
    return count > 0 ? 0 : -1;
}

static int add_threads(const char *w, beex_gemm_bench_opts *o)
{
    char *end = NULL;
    errno = 0;
    long t = strtol(w, &end, 10);
    if (errno != 0 || end == w || *end != '\0' || t < 1 || t > BEEX_MAX_THREADS ||
        o->nthreads >= BEEX_GEMM_BENCH_MAX_THREADS)
        return -1;
    o->threads[o->nthreads++] = (int)t;
    return 0;
}

static int add_op(const char *w, beex_gemm_bench_opts *o)
{
    if (strcmp(w, "w1a1") == 0)
        o->ops[0] = 1;
    else if (strcmp(w, "w1a32") == 0)
        o->ops[1] = 1;
    else if (strcmp(w, "w8a8") == 0)
        o->w8a8 = 1;
    else
        return -1;
    return 0;
}

/* What the command line left unset: the shapes (--quick's or the full set), threads 1 and 2,
 * the w1a1 op, and every available variant (or BEEX_ISA's). The libxsmm fp32 row is the
 * binary rows' yardstick: without them it is not measured. */
static void apply_defaults(beex_gemm_bench_opts *o, int quick, int shapes_given, int variants_given)
{
    if (!shapes_given)
        default_shapes(o, quick);
    if (o->nthreads == 0) {
        o->threads[0] = 1, o->threads[1] = 2;
        o->nthreads = 2;
    }
    if (!o->ops[0] && !o->ops[1] && !o->w8a8)
        o->ops[0] = 1;
    if (!o->ops[0] && !o->ops[1])
        o->libxsmm = 0;
    if (!variants_given) {
        int forced = beex_isa_forced();
        for (int i = 0; i < BEEX_ISA_COUNT; i++)
            o->use[i] = forced >= 0 ? i == forced : beex_isa_available((beex_isa)i, NULL);
    }
}

/* Returns -1 to run, or the exit status: 0 after --help, 2 on a usage error, 1 when --json
 * cannot be written. */
static int parse_args(int argc, char **argv, beex_gemm_bench_opts *o)
{
    static const struct option opts[] = {{"shapes", required_argument, NULL, 's'},
                                         {"quick", no_argument, NULL, 'q'},
                                         {"variant", required_argument, NULL, 'v'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"op", required_argument, NULL, 'o'},
                                         {"reps", required_argument, NULL, 'r'},
                                         {"bound-seconds", required_argument, NULL, 'b'},
                                         {"no-libxsmm", no_argument, NULL, 'x'},
                                         {"no-onednn", no_argument, NULL, 'd'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"ceiling", no_argument, NULL, 'c'},
                                         {"json", required_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->reps = 9;
    o->bound_seconds = 0.002;
    o->libxsmm = BEEX_HAVE_LIBXSMM; /* without it, as if --no-libxsmm (said in the help) */
    o->dnnl_i8 = o->libxsmm_i8 = 1; /* asked for: a build without them says so in the rows */
    o->seed = 1;
    int quick = 0, shapes_given = 0, variants_given = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's':
            if (parse_shapes(optarg, o) != 0) {
                fprintf(stderr,
                        "beex bench gemm: bad --shapes '%s' (want MxNxK or bert-base, "
                        "comma-separated)\n",
                        optarg);
                return 2;
            }
            shapes_given = 1;
            break;
        case 'q':
            quick = 1;
            break;
        case 'v': {
            int list[BEEX_ISA_COUNT];
            int n = beex_arg_variants("bench gemm", "variant", optarg, 0, list);
            if (n < 0)
                return 2;
            memset(o->use, 0, sizeof o->use);
            for (int i = 0; i < n; i++)
                o->use[list[i]] = 1;
            variants_given = 1;
            break;
        }
        case 't':
            o->nthreads = 0;
            if (each_word(optarg, add_threads, o) != 0) {
                fprintf(stderr,
                        "beex bench gemm: --threads needs a comma list of integers in [1, %d], "
                        "got '%s'\n",
                        BEEX_MAX_THREADS, optarg);
                return 2;
            }
            break;
        case 'o':
            o->ops[0] = o->ops[1] = o->w8a8 = 0;
            if (each_word(optarg, add_op, o) != 0) {
                fprintf(stderr, "beex bench gemm: bad --op '%s' (w1a1, w1a32, w8a8)\n", optarg);
                return 2;
            }
            break;
        case 'r':
            if (beex_arg_int("bench gemm", "reps", optarg, 1, BEEX_GEMM_BENCH_MAX_REPS, &o->reps) !=
                0)
                return 2;
            break;
        case 'b':
            o->bound_seconds = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o->bound_seconds > 0.0) ||
                o->bound_seconds > 1.0) {
                fprintf(stderr, "beex bench gemm: bad --bound-seconds '%s'\n", optarg);
                return 2;
            }
            break;
        case 'x':
            o->libxsmm = o->libxsmm_i8 = 0;
            break;
        case 'd':
            o->dnnl_i8 = 0;
            break;
        case 'S':
            errno = 0;
            o->seed = strtoull(optarg, &end, 0);
            if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-') {
                fprintf(stderr, "beex bench gemm: bad --seed '%s' (an unsigned integer)\n", optarg);
                return 2;
            }
            break;
        case 'c':
            o->ceiling = 1;
            break;
        case 'j':
            o->json = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "beex bench gemm: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (o->json != NULL && beex_arg_output("bench gemm", "json", o->json) != 0)
        return 1;
    apply_defaults(o, quick, shapes_given, variants_given);
    for (int i = 0; o->w8a8 && i < o->nshapes; i++)
        if (o->shapes[i].k > BEEX_IGEMM_MAX_K) {
            fprintf(stderr,
                    "beex bench gemm: --op w8a8 takes K up to %d (exact int32 sums), got "
                    "%zux%zux%zu\n",
                    BEEX_IGEMM_MAX_K, o->shapes[i].m, o->shapes[i].n, o->shapes[i].k);
            return 2;
        }
    return -1;
}

int beex_cmd_bench_gemm(int argc, char **argv)
{
    beex_gemm_bench_opts o;
    int rc = parse_args(argc, argv, &o);
    return rc >= 0 ? rc : beex_gemm_bench_run(&o);
}
