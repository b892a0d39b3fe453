/* beex-exit-trace/1 (docs/traces.md): a written trace reads back bit for bit, probabilities
 * become logits whose softmax is the distribution, shared and per-example costs, the replay
 * charging each example the cost of its own exit, every bad file refused with its line, and
 * dev/test pairs that do not belong together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/eval/replay.h"
#include "harness/eval/trace_byo.h"
#include "harness/model/exit.h"

static char tmpdir[] = "/tmp/beex_test_byo_XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static char *names2[] = {"neg", "pos"};

static beex_byo_header header2(int exits, const char *split)
{
    beex_byo_header h;
    memset(&h, 0, sizeof h);
    h.classes = 2;
    h.exits = exits;
    h.class_names = names2;
    snprintf(h.split, sizeof h.split, "%s", split);
    snprintf(h.source, sizeof h.source, "unit test");
    return h;
}

/* Three examples, three exits, two classes, written by the writer and read back. */
static void round_trip(void **state)
{
    (void)state;
    beex_byo_header h = header2(3, "dev");
    const char *path = write_file("rt.jsonl", "");
    FILE *f = fopen(path, "w");
    assert_int_equal(beex_byo_write_header(f, &h), 0);
    float zf[3][6] = {{0.1f, -0.3f, 1.7f, 0.2f, 3.25f, -2.0f},
                      {-0.0f, 1e-7f, 0.3333333f, 0.6666667f, -12.5f, 12.5f},
                      {5.0f, 5.0f, -1.1f, 1.1f, 0.0f, 0.7f}};
    double cost[3][3] = {{10, 20, 30}, {12, 24, 36}, {8, 16, 40}};
    double bops[3] = {64, 128, 192};
    for (int i = 0; i < 3; i++) {
        double v[6];
        for (int k = 0; k < 6; k++)
            v[k] = zf[i][k];
        beex_byo_example ex = {i == 1 ? "b \"quoted\"" : NULL, 100 + i, i % 2, 5 + i, v, 9, cost[i],
                               i == 2 ? bops : NULL,           NULL};
        assert_int_equal(beex_byo_write_example(f, &h, &ex), 0);
    }
    assert_int_equal(fclose(f), 0);

    beex_byo_trace b;
    char err[512];
    assert_int_equal(beex_byo_read(path, &b, err, sizeof err), 0);
    assert_int_equal(b.t.n, 3);
    assert_int_equal(b.t.blocks, 3);
    assert_int_equal(b.t.classes, 2);
    assert_string_equal(b.h.class_names[1], "pos");
    assert_string_equal(b.h.split, "dev");
    assert_string_equal(b.h.source, "unit test");
    assert_int_equal(b.h.probs, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(b.t.label[i], i % 2);
        assert_int_equal(b.t.len[i], 5 + i);
        assert_int_equal(b.t.index[i], i);
        /* the logits bit for bit (the negative zero too), the entropy as the engine computes */
        assert_memory_equal(b.t.logits + i * 6, zf[i], sizeof zf[i]);
        for (int e = 0; e < 3; e++) {
            float h0 = beex_softmax_summary(zf[i] + 2 * e, 2, NULL);
            assert_memory_equal(&b.t.entropy[i * 3 + e], &h0, sizeof h0);
            beex_cost c = b.t.cost[i * 3 + e];
            assert_true(c.flops == cost[i][e]);
            assert_true(c.bops == (i == 2 ? bops[e] : 0));
            assert_true(c.iops == 0);
            assert_true(c.ops == beex_cost_ops(c.flops, c.iops, c.bops));
        }
    }
    beex_byo_free(&b);
}

/* Probabilities: ln p as logits (0 -> BEEX_BYO_LOG_ZERO), so softmax gives p back and the
 * entropy is -sum p ln p; a shared cost in the header stands for an example's own. */
static void probabilities_and_shared_cost(void **state)
{
    (void)state;
    const char *path = write_file(
        "p.jsonl",
        "{\"schema\":\"beex-exit-trace/1\",\"classes\":3,\"exits\":2,\"values\":\"probs\","
        "\"cost_unit\":\"flops\",\"split\":\"test\",\"cost\":[100,250]}\n"
        "{\"id\":\"a\",\"label\":2,\"exits\":[[0.2,0.3,0.5],[0,0,1]]}\n"
        "{\"id\":\"b\",\"label\":0,\"exits\":[[0.6,0.4,0],[0.9,0.05,0.05]],\"cost\":[1,2]}\n");
    beex_byo_trace b;
    char err[512];
    assert_int_equal(beex_byo_read(path, &b, err, sizeof err), 0);
    assert_int_equal(b.h.probs, 1);
    assert_string_equal(b.h.class_names[2], "2"); /* default names */
    double p[3] = {0.2, 0.3, 0.5}, h = 0, mp;
    for (int c = 0; c < 3; c++)
        h -= p[c] * log(p[c]);
    assert_true(fabs(b.t.entropy[0] - h) < 1e-6);
    (void)beex_softmax_summary(b.t.logits, 3, &mp);
    assert_true(fabs(mp - 0.5) < 1e-6);
    assert_true(b.t.logits[3] == (float)BEEX_BYO_LOG_ZERO);
    assert_true(b.t.entropy[1] == 0.0f);
    assert_int_equal(beex_trace_pred(&b.t, 0, 1), 2);
    assert_int_equal(beex_trace_pred(&b.t, 1, 0), 0);
    assert_true(b.t.cost[0].flops == 100 && b.t.cost[1].flops == 250);
    assert_true(b.t.cost[2].flops == 1 && b.t.cost[3].flops == 2);
    beex_byo_free(&b);
}

/* The replay charges each example the cost of its own exit block from the trace, and full
 * depth each example's last. */
static void replay_with_trace_costs(void **state)
{
    (void)state;
    /* Example 0 is sure at exit 1 (exits there under maxprob 0.9), example 1 never is. */
    const char *path = write_file(
        "c.jsonl",
        "{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":3,\"values\":\"logits\","
        "\"cost_unit\":\"flops\",\"split\":\"dev\"}\n"
        "{\"id\":0,\"label\":0,\"exits\":[[5,0],[5,0],[5,0]],\"cost\":[10,20,30],\"iops\":[0,6,6]}"
        "\n"
        "{\"id\":1,\"label\":1,\"exits\":[[0,0.1],[0,0.2],[0,0.3]],\"cost\":[100,300,700]}\n");
    beex_byo_trace b;
    char err[512];
    assert_int_equal(beex_byo_read(path, &b, err, sizeof err), 0);
    beex_config cfg = beex_config_default();
    cfg.blocks = 3;
    cfg.classes = 2;
    beex_replay_setup s = {&cfg, BEEX_PREC_FP32, BEEX_METRIC_ACCURACY, 1};
    beex_replay_point p;
    int e[2];
    beex_policy mp = {BEEX_EXIT_MAXPROB, 0.9};
    assert_int_equal(beex_replay(&b.t, &mp, &s, &p, e, NULL), 0);
    assert_int_equal(e[0], 1);
    assert_int_equal(e[1], 3);
    assert_true(p.cost.flops == (10.0 + 700.0) / 2);
    assert_true(p.cost.iops == 0);
    assert_true(p.cost.ops == p.cost.flops);
    assert_true(fabs(p.saving - (1 - 710.0 / (36.0 + 700.0))) < 1e-12);
    beex_policy st = {BEEX_EXIT_STATIC, 2};
    assert_int_equal(beex_replay(&b.t, &st, &s, &p, e, NULL), 0);
    assert_true(p.cost.flops == (20.0 + 300.0) / 2 && p.cost.iops == 3.0);
    assert_true(p.cost.ops == 163.0);
    beex_byo_free(&b);
}

#define HEAD2                                                                                      \
    "{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":2,\"values\":\"logits\","           \
    "\"cost_unit\":\"flops\",\"split\":\"dev\"}\n"
#define HEADP                                                                                      \
    "{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":2,\"values\":\"probs\","            \
    "\"cost_unit\":\"flops\",\"split\":\"dev\"}\n"
#define GOOD(id) "{\"id\":" id ",\"label\":0,\"exits\":[[1,0],[2,0]],\"cost\":[1,2]}\n"

/* Each bad file is refused with an error naming the file, the line and the fault. */
static void bad_traces(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "line 1: header missing (the file is empty)"},
        {GOOD("1"), "line 1: header missing"},
        {"{\"schema\":\"beex-exit-trace/2\",\"classes\":2}\n" GOOD("1"), "line 1: unknown version"},
        {"{\"schema\":\"other\"}\n", "line 1: header missing: schema is \"other\""},
        {"{\"schema\":\"beex-exit-trace/1\",\"exits\":2,\"values\":\"logits\",\"cost_unit\":"
         "\"flops\",\"split\":\"dev\"}\n" GOOD("1"),
         "line 1: \"classes\" must be an integer in [2, 256]"},
        {"{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":2,\"values\":\"logits\","
         "\"cost_unit\":\"joules\",\"split\":\"dev\"}\n",
         "line 1: \"cost_unit\" must be \"flops\""},
        {"{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":2,\"values\":\"logits\","
         "\"cost_unit\":\"flops\"}\n",
         "line 1: \"split\" is missing"},
        {"{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":2,\"values\":\"logits\","
         "\"cost_unit\":\"flops\",\"split\":\"dev\",\"clases\":3}\n",
         "line 1: unknown key \"clases\""},
        {HEAD2, "line 2: no example after the header"},
        {HEAD2 GOOD("1") "{\"id\":2,\"label\":0,\"exits\":[[1,0]],\"cost\":[1,2]}\n",
         "line 3: \"exits\" has 1 exits, the header says 2"},
        {HEAD2 "{\"id\":2,\"label\":0,\"cost\":[1,2]}\n", "line 2: \"exits\" missing"},
        {HEAD2 "{\"id\":2,\"label\":0,\"exits\":[[1,0],[2,0,3]],\"cost\":[1,2]}\n",
         "line 2: exit 2 has 3 values, the header says 2 classes"},
        {HEAD2 GOOD("1")
             GOOD("2") "{\"id\":3,\"label\":0,\"exits\":[[NaN,0],[2,0]],\"cost\":[1,2]}\n",
         "line 4: "},
        {HEAD2 "{\"id\":3,\"label\":0,\"exits\":[[Infinity,0],[2,0]],\"cost\":[1,2]}\n",
         "NaN and Infinity are not JSON numbers"},
        {HEAD2 "{\"id\":3,\"label\":0,\"exits\":[[1e39,0],[2,0]],\"cost\":[1,2]}\n",
         "line 2: exit 1, class 0: 1e+39 is not a finite logit"},
        {HEADP "{\"id\":3,\"label\":0,\"exits\":[[0.5,0.5],[0.6,0.3]],\"cost\":[1,2]}\n",
         "line 2: exit 2: probabilities sum to 0.9"},
        {HEADP "{\"id\":3,\"label\":0,\"exits\":[[1.5,-0.5],[0.6,0.4]],\"cost\":[1,2]}\n",
         "line 2: exit 1, class 1: probability -0.5 is negative"},
        {HEAD2 GOOD("1") "{\"id\":2,\"label\":2,\"exits\":[[1,0],[2,0]],\"cost\":[1,2]}\n",
         "line 3: label 2 is out of range"},
        {HEAD2 "{\"id\":2,\"label\":-1,\"exits\":[[1,0],[2,0]],\"cost\":[1,2]}\n",
         "line 2: label -1 is out of range"},
        {HEAD2 "{\"id\":2,\"label\":0.5,\"exits\":[[1,0],[2,0]],\"cost\":[1,2]}\n",
         "line 2: \"label\" must be an integer"},
        {HEAD2 "{\"id\":2,\"label\":0,\"exits\":[[1,0],[2,0]],\"cost\":[3,2]}\n",
         "line 2: \"cost\" of exit 2 (2) is below that of exit 1 (3)"},
        {HEAD2 "{\"id\":2,\"label\":0,\"exits\":[[1,0],[2,0]],\"cost\":[0,2]}\n",
         "line 2: \"cost\" of exit 1 is 0: it must be a finite number > 0"},
        {HEAD2 "{\"id\":2,\"label\":0,\"exits\":[[1,0],[2,0]],\"cost\":[1,2],\"bops\":[5,4]}\n",
         "line 2: \"bops\" of exit 2 (4) is below"},
        {HEAD2 "{\"id\":2,\"label\":0,\"exits\":[[1,0],[2,0]]}\n", "line 2: \"cost\" missing"},
        {HEAD2 "{\"id\":2,\"label\":0,\"exits\":[[1,0],[2,0]],\"cost\":[1,2,3]}\n",
         "line 2: \"cost\" has 3 entries, the header says 2 exits"},
        {HEAD2 GOOD("\"a\"") GOOD("\"b\"") GOOD("\"a\""),
         "line 4: id \"a\" is already used on line 2"},
        {HEAD2 GOOD("7") GOOD("\"7\""), "line 3: id \"7\" is already used on line 2"},
        {HEAD2 "{\"label\":0,\"exits\":[[1,0],[2,0]],\"cost\":[1,2]}\n", "line 2: \"id\" missing"},
        {HEAD2 GOOD("1") "\n" GOOD("2"), "line 3: empty line"},
        {HEAD2 "{\"id\":2,\"label\":0,\"exits\":[[1,0],[2,0]],\"cost\":[1,2],\"cots\":1}\n",
         "line 2: unknown key \"cots\""},
        {HEAD2 "[1,2]\n", "line 2: not a JSON object"},
        {"{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":2,\"values\":\"logits\","
         "\"cost_unit\":\"flops\",\"split\":\"dev\",\"positive\":\"yes\"}\n" GOOD("1"),
         "line 1: \"positive\" \"yes\" is not one of \"class_names\""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char name[32], err[600];
        snprintf(name, sizeof name, "bad%zu.jsonl", k);
        const char *path = write_file(name, cases[k].text);
        beex_byo_trace b;
        int rc = beex_byo_read(path, &b, err, sizeof err);
        if (rc == 0 || strstr(err, cases[k].want) == NULL || strstr(err, name) == NULL)
            fail_msg("case %zu: rc %d, error \"%s\", wanted \"%s\"", k, rc, rc ? err : "",
                     cases[k].want);
    }
    /* The same lines with their faults mended read. */
    const char *ok = write_file("ok.jsonl", HEAD2 GOOD("\"a\"") GOOD("\"b\"") GOOD("7"));
    beex_byo_trace b;
    char err[600];
    assert_int_equal(beex_byo_read(ok, &b, err, sizeof err), 0);
    assert_int_equal(b.t.n, 3);
    beex_byo_free(&b);
}

/* Dev and test must have one shape, one set of class names, and the right splits. */
static void pairs(void **state)
{
    (void)state;
    char dpath[256], tpath[256], err[800];
    snprintf(dpath, sizeof dpath, "%s", write_file("d.jsonl", HEAD2 GOOD("1")));
    beex_byo_trace d, t;
    assert_int_equal(beex_byo_read(dpath, &d, err, sizeof err), 0);
    snprintf(tpath, sizeof tpath, "%s",
             write_file("t3.jsonl",
                        "{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":3,\"values\":"
                        "\"logits\",\"cost_unit\":\"flops\",\"split\":\"test\"}\n"
                        "{\"id\":1,\"label\":0,\"exits\":[[1,0],[2,0],[3,0]],\"cost\":[1,2,3]}\n"));
    assert_int_equal(beex_byo_read(tpath, &t, err, sizeof err), 0);
    assert_int_equal(beex_byo_check_pair(&d, dpath, &t, tpath, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 exits x 2 classes"));
    assert_non_null(strstr(err, "t3.jsonl"));
    beex_byo_free(&t);
    /* a dev file given as test */
    assert_int_equal(beex_byo_check_pair(&d, dpath, &d, dpath, err, sizeof err), -1);
    assert_non_null(strstr(err, "given as the test trace"));
    /* other class names */
    snprintf(tpath, sizeof tpath, "%s",
             write_file("tn.jsonl",
                        "{\"schema\":\"beex-exit-trace/1\",\"classes\":2,\"exits\":2,\"values\":"
                        "\"logits\",\"cost_unit\":\"flops\",\"split\":\"test\",\"class_names\":"
                        "[\"0\",\"yes\"]}\n" GOOD("1")));
    assert_int_equal(beex_byo_read(tpath, &t, err, sizeof err), 0);
    assert_int_equal(beex_byo_check_pair(&d, dpath, &t, tpath, err, sizeof err), -1);
    assert_non_null(strstr(err, "class 1 is \"1\", but \"yes\""));
    beex_byo_free(&t);
    beex_byo_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(probabilities_and_shared_cost),
        cmocka_unit_test(replay_with_trace_costs),
        cmocka_unit_test(bad_traces),
        cmocka_unit_test(pairs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
