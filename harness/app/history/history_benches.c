/* The benchmark set's names and fixed inputs (history_benches.h). */
#include "harness/app/history/history_benches.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/app/history/history_measure.h"

const char *const beex_hb_precisions[BEEX_HB_NPREC] = {"fp32", "w1a32", "w1a1", "w8a8"};

#if defined(__aarch64__)
const char *const beex_hb_counted_variants[BEEX_HB_NCOUNTED] = {"scalar", "neon"};
const char *const beex_hb_timed_variants[] = {"scalar", "neon"};
#else
const char *const beex_hb_counted_variants[BEEX_HB_NCOUNTED] = {"scalar", "avx2"};
const char *const beex_hb_timed_variants[] = {"scalar", "avx2", "avx512", "avxvnni", "amx"};
#endif
const size_t beex_hb_ntimed_variants =
    sizeof beex_hb_timed_variants / sizeof beex_hb_timed_variants[0];

const char *const beex_hb_forward_entry[] = {"beex_engine_trace", "beex_engine_run_batch*", NULL};
const char *const beex_hb_train_entry[] = {"beex_tstep_run*", NULL};

/* docs/history.md's entry points, plus, for slfn, the variant functions the engine calls
 * through the family's ops table (beex_slfn_get, then ops->gates_pack and so on), which never
 * pass through a beex_slfn_* function: without them the family would count only the table
 * look-up. The model's fp32 products go through libxsmm, not beex_fgemm, so fgemm is often
 * zero and then not recorded. */
static const char *const p_bgemm[] = {"beex_bgemm_w1a1*", NULL};
static const char *const p_w1a32[] = {"beex_gemm_w1a32", NULL};
static const char *const p_fgemm[] = {"beex_fgemm", NULL};
static const char *const p_igemm[] = {"beex_igemm_w8a8", NULL};
static const char *const p_quant[] = {"beex_i8_quantize_rows*", NULL};
static const char *const p_pack[] = {"beex_pack_signs_rows*", NULL};
static const char *const p_slfn[] = {"beex_slfn_*",      "scalar_gates*",
                                     "avx2_gates*",      "avx512_gates*",
                                     "neon_gates*",      "scalar_product_add",
                                     "avx2_product_add", "avx512_product_add",
                                     "neon_product_add", NULL};

const beex_hb_family beex_hb_families[] = {
    {"bgemm", p_bgemm},    {"gemm_w1a32", p_w1a32}, {"fgemm", p_fgemm}, {"igemm", p_igemm},
    {"quantize", p_quant}, {"pack", p_pack},        {"slfn", p_slfn},
};
const size_t beex_hb_nfamilies = sizeof beex_hb_families / sizeof beex_hb_families[0];

/* ONLY is one name, a prefix ending in '/', or several of those separated by commas
 * ("forward/,kernel/": the forward pass and the kernels counted inside it, one run). */
int beex_hb_selected(const char *only, const char *name)
{
    if (only == NULL)
        return 1;
    for (const char *p = only; *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n > 0 && p[n - 1] == '/' ? strncmp(name, p, n) == 0
                                     : n > 0 && strlen(name) == n && strncmp(name, p, n) == 0)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Every name, built once into static storage (the set is fixed). */
#define MAX_NAMES 256
static char name_store[MAX_NAMES][96];
static size_t name_count;

static void add_name(const char *a, const char *b, const char *c, const char *d)
{
    if (name_count >= MAX_NAMES)
        return;
    int n = snprintf(name_store[name_count], sizeof name_store[0], "%s/%s/%s%s%s", a, b, c,
                     d != NULL ? "/" : "", d != NULL ? d : "");
    if (n > 0 && (size_t)n < sizeof name_store[0])
        name_count++;
}

static void build_names(void)
{
    for (int p = 0; p < BEEX_HB_NPREC; p++)
        for (int v = 0; v < BEEX_HB_NCOUNTED; v++)
            add_name("forward", beex_hb_precisions[p], beex_hb_counted_variants[v], NULL);
    for (size_t f = 0; f < beex_hb_nfamilies; f++)
        for (int p = 0; p < BEEX_HB_NPREC; p++)
            for (int v = 0; v < BEEX_HB_NCOUNTED; v++) {
                char fam[64];
                snprintf(fam, sizeof fam, "kernel/%s", beex_hb_families[f].name);
                add_name(fam, beex_hb_precisions[p], beex_hb_counted_variants[v], NULL);
            }
    for (int p = 0; p < BEEX_HB_NPREC; p++)
        for (int v = 0; v < BEEX_HB_NCOUNTED; v++)
            add_name("train", beex_hb_precisions[p], beex_hb_counted_variants[v], NULL);
    for (int p = 0; p < BEEX_HB_NPREC; p++)
        for (size_t v = 0; v < beex_hb_ntimed_variants; v++)
            add_name("timed/forward", beex_hb_precisions[p], beex_hb_timed_variants[v], NULL);
    for (size_t v = 0; v < beex_hb_ntimed_variants; v++)
        add_name("timed/gemm", "w1a1", beex_hb_timed_variants[v], BEEX_HB_GEMM_SHAPE);
}

size_t beex_history_bench_names(const char **names, size_t cap)
{
    if (name_count == 0)
        build_names();
    for (size_t i = 0; i < name_count && i < cap; i++)
        names[i] = name_store[i];
    return name_count;
}

/* ---- inputs ------------------------------------------------------------------------------- */

/* tests/data/train/synth's first lines (train.tsv 8, dev.tsv 4, test.tsv 4). */
static const char *const task_train =
    "neg\tstory scene movie is boring was too a silly weak of\n"
    "pos\tit a and that end witty movie it too was was charming that was\n"
    "neg\tand the is this end superb flat silly the superb with it\n"
    "neg\tthat film scene this this messy\n"
    "neg\tflat is story plot witty a director weak silly was movie with\n"
    "neg\tend this that weak was flat flat film plot film was\n"
    "pos\tthat and good is a superb with fresh too\n"
    "neg\tscene was weak that director is a too director it story director is scene was\n";
static const char *const task_dev =
    "neg\tsuperb charming a this flat plot this is superb scene\n"
    "pos\tfilm the movie with it flat fine with was of was good and too superb\n"
    "pos\tit is film plot the smart too movie and is\n"
    "pos\twith messy boring end director superb it was story plot it scene\n";
static const char *const task_test =
    "neg\tdull a dull scene boring end fresh flat was\n"
    "neg\tawful story lovely film scene awful end end the of great is silly was\n"
    "pos\tstory fine awful movie witty charming this\n"
    "pos\tthe of flat good fresh plot is with fine too film film\n";

static int write_text(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    if (bad) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}

int beex_hb_write_inputs(const char *dir, char *err, size_t errlen)
{
    /* scripts/perf_gate.sh's examples: example e has 6 + 6e ids, 2 + (131 e + 17 i) % 510. */
    char ids[4096];
    size_t at = 0;
    for (int e = 0; e < 8; e++) {
        int n = 6 + 6 * e;
        for (int i = 0; i < n && at < sizeof ids - 8; i++)
            at += (size_t)snprintf(ids + at, sizeof ids - at, "%s%d", i ? " " : "",
                                   2 + (e * 131 + i * 17) % 510);
        at += (size_t)snprintf(ids + at, sizeof ids - at, "\n");
    }
    char task[4096];
    snprintf(task, sizeof task, "%s/task", dir);
    if (mkdir(task, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", task, strerror(errno));
        return -1;
    }
    if (write_text(dir, "ids.txt", ids, err, errlen) != 0 ||
        write_text(task, "train.tsv", task_train, err, errlen) != 0 ||
        write_text(task, "dev.tsv", task_dev, err, errlen) != 0 ||
        write_text(task, "test.tsv", task_test, err, errlen) != 0)
        return -1;
    return 0;
}
