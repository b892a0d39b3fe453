/* Corrupt model files: each case edits a valid file (bytes, or text of its JSON header with
 * the header length fixed up) and asserts that loading fails with a message naming the
 * problem. Run from memory and, for a few, through a file on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "harness/model/safetensors.h"
#include "harness/model/test_model_io_util.h"

typedef struct {
    uint8_t *buf;
    size_t len;
} blob;

/* Valid files of the tiny model: checkpoint, w1a1 deployment, and (calibrated) checkpoint with
 * act scales and w8a8 deployment. */
static blob checkpoint, deployment, calibrated, deployment8;

/* kind: 0 checkpoint, 1 w1a1 deployment, 2 calibrated checkpoint, 3 w8a8 deployment. */
static blob file_of(int kind)
{
    beex_model *m = tiny_model(77);
    char path[256], err[512];
    temp_path(path, sizeof path, kind == 1 ? "cdep" : kind == 3 ? "cdep8" : "cckpt");
    if (kind >= 2) {
        float s[2 * BEEX_ACT_INPUTS];
        for (int i = 0; i < 2 * BEEX_ACT_INPUTS; i++)
            s[i] = 0.02f * (float)(i + 1);
        beex_model_set_act_scales(m, s);
    }
    int rc = kind == 1   ? beex_model_save_deployment(m, BEEX_PREC_W1A1, path, err, sizeof err)
             : kind == 3 ? beex_model_save_deployment(m, BEEX_PREC_W8A8, path, err, sizeof err)
                         : beex_model_save_checkpoint(m, path, err, sizeof err);
    assert_int_equal(rc, 0);
    blob b;
    b.buf = read_all(path, &b.len);
    assert_non_null(b.buf);
    unlink(path);
    beex_model_free(m);
    return b;
}

static int setup(void **state)
{
    (void)state;
    checkpoint = file_of(0);
    deployment = file_of(1);
    calibrated = file_of(2);
    deployment8 = file_of(3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(checkpoint.buf);
    free(deployment.buf);
    free(calibrated.buf);
    free(deployment8.buf);
    return 0;
}

static uint64_t header_len(const blob *b)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | b->buf[i];
    return n;
}

static blob copy_of(const blob *b)
{
    blob c = {malloc(b->len ? b->len : 1), b->len};
    assert_non_null(c.buf);
    memcpy(c.buf, b->buf, b->len);
    return c;
}

/* Replaces the first occurrence of `from` in the header text by `to`; data stays as is. */
static blob edit_header(const blob *b, const char *from, const char *to)
{
    size_t hl = (size_t)header_len(b);
    char *text = strndup((const char *)b->buf + 8, hl);
    char *at = strstr(text, from);
    if (at == NULL)
        fail_msg("test bug: '%s' not in the header", from);
    size_t nf = strlen(from), nt = strlen(to), nhl = hl - nf + nt;
    blob c = {malloc(8 + nhl + (b->len - 8 - hl)), 8 + nhl + (b->len - 8 - hl)};
    for (int i = 0; i < 8; i++)
        c.buf[i] = (uint8_t)((uint64_t)nhl >> (8 * i));
    size_t pre = (size_t)(at - text);
    memcpy(c.buf + 8, text, pre);
    memcpy(c.buf + 8 + pre, to, nt);
    memcpy(c.buf + 8 + pre + nt, at + nf, hl - pre - nf);
    memcpy(c.buf + 8 + nhl, b->buf + 8 + hl, b->len - 8 - hl);
    free(text);
    return c;
}

/* Byte offset in the file of tensor `name`'s data. */
static size_t data_at(const blob *b, const char *name)
{
    beex_st_file f;
    char err[256];
    assert_int_equal(beex_st_parse(b->buf, b->len, &f, err, sizeof err), 0);
    const beex_st_tensor *t = beex_st_find(&f, name);
    assert_non_null(t);
    size_t off = (size_t)(t->data - b->buf);
    beex_st_close(&f);
    return off;
}

static int cases_run;

static void expect_fail(blob c, const char *needle, const char *needle2)
{
    beex_model *m = NULL;
    char err[512] = "";
    int rc = beex_model_load_buffer(c.buf, c.len, &m, err, sizeof err);
    if (rc == 0)
        fail_msg("corrupt file expected to fail with '%s' loaded", needle);
    assert_null(m);
    if (strstr(err, needle) == NULL || (needle2 != NULL && strstr(err, needle2) == NULL))
        fail_msg("message '%s' lacks '%s' / '%s'", err, needle, needle2 ? needle2 : "");
    print_message("  rejected: %s\n", err);
    cases_run++;
    free(c.buf);
}

static void test_valid_files_load(void **state)
{
    (void)state;
    beex_model *m = NULL;
    char err[512];
    assert_int_equal(beex_model_load_buffer(checkpoint.buf, checkpoint.len, &m, err, sizeof err),
                     0);
    beex_model_free(m);
    assert_int_equal(beex_model_load_buffer(deployment.buf, deployment.len, &m, err, sizeof err),
                     0);
    beex_model_free(m);
    assert_int_equal(beex_model_load_buffer(calibrated.buf, calibrated.len, &m, err, sizeof err),
                     0);
    assert_int_equal(beex_model_has_act_scales(m), 1);
    beex_model_free(m);
    assert_int_equal(beex_model_load_buffer(deployment8.buf, deployment8.len, &m, err, sizeof err),
                     0);
    assert_int_equal(m->cfg.precision, BEEX_PREC_W8A8);
    beex_model_free(m);
}

static void test_framing(void **state)
{
    (void)state;
    blob c = copy_of(&checkpoint);
    c.len = 0;
    expect_fail(c, "truncated", NULL);
    c = copy_of(&checkpoint);
    c.len = 5;
    expect_fail(c, "truncated", NULL);
    c = copy_of(&checkpoint); /* header length one past the end */
    uint64_t past = c.len - 8 + 1;
    for (int i = 0; i < 8; i++)
        c.buf[i] = (uint8_t)(past >> (8 * i));
    expect_fail(c, "past the end", NULL);
    c = copy_of(&checkpoint); /* header length 2^63 */
    c.buf[7] = 0x80;
    expect_fail(c, "past the end", NULL);
    c = copy_of(&checkpoint); /* file cut inside the data: the last tensor runs out */
    c.len -= 3;
    expect_fail(c, "outside the data section", "exits.1.bias");
    c = copy_of(&checkpoint); /* cut inside the header */
    c.len = 8 + (size_t)header_len(&checkpoint) / 2;
    expect_fail(c, "past the end", NULL);
    c = copy_of(&checkpoint); /* trailing garbage after the last tensor */
    c.buf = realloc(c.buf, c.len + 4);
    memset(c.buf + c.len, 0xAB, 4);
    c.len += 4;
    expect_fail(c, "cover only", NULL);
}

static void test_json(void **state)
{
    (void)state;
    expect_fail(edit_header(&checkpoint, "{", "["), "must start with '{'", NULL);
    expect_fail(edit_header(&checkpoint, "\"dtype\":\"F32\"", "\"dtype\" \"F32\""),
                "malformed JSON", NULL);
    blob c = copy_of(&checkpoint); /* a NUL byte inside a JSON string */
    c.buf[8 + 5] = 0;
    expect_fail(c, "malformed JSON", NULL);
    /* A header that is a complete JSON value followed by junk. */
    expect_fail(edit_header(&checkpoint, "{\"__metadata__\"", "{}{\"__metadata__\""),
                "malformed JSON", NULL);
    expect_fail(edit_header(&checkpoint, "\"exits.1.bias\"", "\"exits.0.bias\""), "duplicate",
                NULL);
    expect_fail(edit_header(&checkpoint, "\"embed.pos.weight\":{", "\"embed.pos.weight\":[{"),
                "malformed JSON", NULL);
}

static void test_tensor_entries(void **state)
{
    (void)state;
    expect_fail(edit_header(&checkpoint, "\"blocks.0.ln1.beta\":{\"dtype\":\"F32\"",
                            "\"blocks.0.ln1.beta\":{\"dtype\":\"Q32\""),
                "unknown dtype 'Q32'", "blocks.0.ln1.beta");
    expect_fail(edit_header(&checkpoint, "\"blocks.0.ln1.beta\":{\"dtype\":\"F32\"",
                            "\"blocks.0.ln1.beta\":{\"dtype\":\"F16\""),
                "unsupported dtype 'F16'", "blocks.0.ln1.beta");
    expect_fail(edit_header(&checkpoint, "\"blocks.0.ln1.beta\":{\"dtype\":\"F32\"",
                            "\"blocks.0.ln1.beta\":{\"dtype\":7"),
                "dtype missing or not a string", "blocks.0.ln1.beta");
    expect_fail(edit_header(&checkpoint, "\"blocks.1.ln2.gamma\":{\"dtype\":\"F32\",\"shape\":[12]",
                            "\"blocks.1.ln2.gamma\":{\"dtype\":\"F32\",\"shape\":[13]"),
                "size mismatch", "blocks.1.ln2.gamma");
    expect_fail(edit_header(&checkpoint, "\"blocks.1.ln2.gamma\":{\"dtype\":\"F32\",\"shape\":[12]",
                            "\"blocks.1.ln2.gamma\":{\"dtype\":\"F32\",\"shape\":[-12]"),
                "not a non-negative integer", "blocks.1.ln2.gamma");
    expect_fail(edit_header(&checkpoint, "\"blocks.1.ln2.gamma\":{\"dtype\":\"F32\",\"shape\":[12]",
                            "\"blocks.1.ln2.gamma\":{\"dtype\":\"F32\",\"shape\":"
                            "[4294967296,4294967296,4294967296]"),
                "size mismatch", "blocks.1.ln2.gamma");
    expect_fail(edit_header(&checkpoint, "\"data_offsets\":[0,", "\"data_offsets\":[-1,"),
                "data_offsets must be two non-negative integers", NULL);
    expect_fail(
        edit_header(&checkpoint, "\"blocks.0.ln1.beta\":{", "\"blocks.0.ln1.beta\":7,\"x\":{"),
        "not a JSON object", "blocks.0.ln1.beta");
}

/* Offsets: read the real ones of two same-sized vectors and point one at the other. */
static void test_offsets(void **state)
{
    (void)state;
    beex_st_file f;
    char err[256], from[160], to[160];
    assert_int_equal(beex_st_parse(checkpoint.buf, checkpoint.len, &f, err, sizeof err), 0);
    const beex_st_tensor *g = beex_st_find(&f, "blocks.0.ln1.gamma");
    const beex_st_tensor *b = beex_st_find(&f, "blocks.0.ln1.beta");
    snprintf(from, sizeof from, "\"data_offsets\":[%zu,%zu]", b->begin, b->end);
    snprintf(to, sizeof to, "\"data_offsets\":[%zu,%zu]", g->begin, g->end);
    size_t data_len = f.data_len;
    beex_st_close(&f);
    expect_fail(edit_header(&checkpoint, from, to), "overlap", "blocks.0.ln1");
    snprintf(to, sizeof to, "\"data_offsets\":[%zu,%zu]", data_len, data_len + 48);
    expect_fail(edit_header(&checkpoint, from, to), "outside the data section",
                "blocks.0.ln1.beta");
    /* Ends past the data but inside the file cannot happen: the data is the file's tail. */
}

static void test_model_layout(void **state)
{
    (void)state;
    expect_fail(edit_header(&checkpoint, "\"exits.1.bias\"", "\"exits.1.bias_\""),
                "tensor 'exits.1.bias' is missing", NULL);
    /* A valid file with one tensor too many (zero-sized, placed at the end). */
    beex_st_file f;
    char err[256], extra[160];
    assert_int_equal(beex_st_parse(checkpoint.buf, checkpoint.len, &f, err, sizeof err), 0);
    snprintf(extra, sizeof extra,
             "{\"zz.extra\":{\"dtype\":\"U8\",\"shape\":[0],"
             "\"data_offsets\":[%zu,%zu]},",
             f.data_len, f.data_len);
    beex_st_close(&f);
    expect_fail(edit_header(&checkpoint, "{", extra), "unexpected tensor 'zz.extra'", NULL);
    /* Right bytes, wrong shape for the configuration ([3,12] -> [12,3]). */
    expect_fail(edit_header(&checkpoint, "\"exits.0.weight\":{\"dtype\":\"F32\",\"shape\":[3,12]",
                            "\"exits.0.weight\":{\"dtype\":\"F32\",\"shape\":[12,3]"),
                "does not match the configuration [3, 12]", "exits.0.weight");
    expect_fail(edit_header(&checkpoint, "\"exits.0.weight\":{\"dtype\":\"F32\",\"shape\":[3,12]",
                            "\"exits.0.weight\":{\"dtype\":\"U8\",\"shape\":[3,48]"),
                "dtype U8, expected F32", "exits.0.weight");
    /* A deployment file whose tensors are those of a checkpoint. */
    expect_fail(edit_header(&checkpoint, "\"config\"", "\"precision\":\"w1a1\",\"config\""),
                "tensor 'embed.tok.bits' is missing", NULL);
}

static void test_metadata(void **state)
{
    (void)state;
    expect_fail(edit_header(&checkpoint, "\"format\":\"beex\"", "\"format\":\"beef\""), "format",
                NULL);
    expect_fail(edit_header(&checkpoint, "\"format\":\"beex\"", "\"formal\":\"beex\""),
                "'format' is missing", NULL);
    expect_fail(edit_header(&checkpoint, "\"version\":\"1\"", "\"version\":\"2\""),
                "unsupported 'version' 2", NULL);
    expect_fail(edit_header(&checkpoint, "\"version\":\"1\"", "\"version\":1"),
                "bad metadata: __metadata__ value of 'version' is not a string", NULL);
    expect_fail(edit_header(&checkpoint, "\"__metadata__\":{", "\"__metadata__\":[{"),
                "malformed JSON", NULL);
    expect_fail(edit_header(&checkpoint, "{\\\"vocab\\\":", "{\\\"vocbb\\\":"),
                "config 'vocab' is missing", NULL);
    expect_fail(edit_header(&checkpoint, "\\\"heads\\\":3", "\\\"heads\\\":5"), "divisible", NULL);
    expect_fail(edit_header(&checkpoint, "\\\"d\\\":12", "\\\"d\\\":99999999999"),
                "config 'd' is 99999999999, outside 1..2147483647", NULL);
    expect_fail(edit_header(&checkpoint, "\"config\":\"{", "\"config\":\"{{"),
                "'config' is not a JSON object", NULL);
    expect_fail(edit_header(&checkpoint, "\\\"precision\\\":\\\"w1a1\\\"",
                            "\\\"precision\\\":\\\"w1a3\\\""),
                "config 'precision'", NULL);
    expect_fail(edit_header(&checkpoint, "\"labels\":\"[\\\"0\\\",", "\"labels\":\"["),
                "'labels' must be a JSON array of 3 strings", NULL);
    expect_fail(edit_header(&checkpoint, "\"labels\":\"[\\\"0\\\"", "\"labels\":\"[0"),
                "label 0 is not a string", NULL);
    expect_fail(edit_header(&checkpoint, "[\\\"0\\\",\\\"1\\\"", "[\\\"0\\\",\\\"0\\\""),
                "labels 0 and 1 are both named '0'", NULL);
    expect_fail(edit_header(&checkpoint, "[UNK]\\n", "[UNK]\\nextra\\n"),
                "'vocab' has 14 lines, the configuration says 13", NULL);
    expect_fail(edit_header(&checkpoint, "\"vocab\":\"", "\"vocabulary\":\""), "no 'vocab' entry",
                NULL);
    expect_fail(edit_header(&deployment, "\"precision\":\"w1a1\"", "\"precision\":\"w2a2\""),
                "unknown 'precision'", NULL);
}

static void test_values(void **state)
{
    (void)state;
    blob c = copy_of(&checkpoint);
    float nan = NAN;
    memcpy(c.buf + data_at(&c, "blocks.1.attn.v.weight") + 4 * 7, &nan, 4);
    expect_fail(c, "element 7 is not finite", "blocks.1.attn.v.weight");
    c = copy_of(&deployment);
    float neg = -0.25f;
    memcpy(c.buf + data_at(&c, "blocks.0.slfn.w2.alpha") + 4, &neg, 4);
    expect_fail(c, "negative scale", "blocks.0.slfn.w2.alpha");
    c = copy_of(&deployment); /* d = 12: bits 12..15 of each row's second byte are padding */
    c.buf[data_at(&c, "embed.tok.bits") + 2 * 3 + 1] |= 0x40;
    expect_fail(c, "row 3 has padding bits past column 12 set", "embed.tok.bits");
    c = copy_of(&deployment); /* w4 is d x dff = 12 x 20: 3 bytes per row, 4 padding bits */
    c.buf[data_at(&c, "blocks.1.slfn.w4.bits") + 3 * 11 + 2] |= 0x80;
    expect_fail(c, "row 11 has padding bits", "blocks.1.slfn.w4.bits");
}

/* w8a8 (docs/model.md section 8): int8 rows in [-127, 127], finite non-negative qscale, finite
 * positive act_scale on every layer or none, shared inputs with one scale, I8 shapes. */
static void test_w8a8(void **state)
{
    (void)state;
    blob c = copy_of(&deployment8);
    c.buf[data_at(&c, "blocks.0.attn.q.q8") + 5] = 0x80; /* -128 */
    expect_fail(c, "element 5 is -128", "blocks.0.attn.q.q8");
    c = copy_of(&deployment8);
    c.buf[data_at(&c, "embed.tok.q8") + 17] = 0x80;
    expect_fail(c, "element 17 is -128", "embed.tok.q8");
    float nan = NAN, zero = 0.0f, neg = -0.5f;
    c = copy_of(&deployment8);
    memcpy(c.buf + data_at(&c, "blocks.1.slfn.w1.qscale") + 4 * 3, &nan, 4);
    expect_fail(c, "element 3 is not finite", "blocks.1.slfn.w1.qscale");
    c = copy_of(&deployment8);
    memcpy(c.buf + data_at(&c, "embed.tok.qscale") + 4 * 2, &neg, 4);
    expect_fail(c, "negative scale", "embed.tok.qscale");
    c = copy_of(&deployment8);
    memcpy(c.buf + data_at(&c, "blocks.0.slfn.w2.act_scale"), &nan, 4);
    expect_fail(c, "not finite", "blocks.0.slfn.w2.act_scale");
    c = copy_of(&deployment8);
    memcpy(c.buf + data_at(&c, "blocks.1.slfn.w4.act_scale"), &zero, 4);
    expect_fail(c, "not a positive scale", "blocks.1.slfn.w4.act_scale");
    c = copy_of(&calibrated);
    memcpy(c.buf + data_at(&c, "blocks.1.attn.o.act_scale"), &neg, 4);
    expect_fail(c, "not a positive scale", "blocks.1.attn.o.act_scale");
    /* Q, K and V read one input: one scale. */
    c = copy_of(&calibrated);
    float other = 0.5f;
    memcpy(c.buf + data_at(&c, "blocks.1.attn.v.act_scale"), &other, 4);
    expect_fail(c, "'blocks.1.attn.v.act_scale' differs from 'blocks.1.attn.q.act_scale'", NULL);
    c = copy_of(&deployment8);
    memcpy(c.buf + data_at(&c, "blocks.0.slfn.w3.act_scale"), &other, 4);
    expect_fail(c, "'blocks.0.slfn.w3.act_scale' differs", NULL);
    /* One layer without its act_scale (renamed away): missing, in a checkpoint or a w8a8
     * deployment. */
    expect_fail(
        edit_header(&calibrated, "\"blocks.1.slfn.w2.act_scale\"", "\"blocks.1.slfn.w2.x\""),
        "'blocks.1.slfn.w2.act_scale' is missing", "every layer");
    expect_fail(edit_header(&deployment8, "\"blocks.0.attn.k.act_scale\"", "\"blocks.0.attn.k.x\""),
                "'blocks.0.attn.k.act_scale' is missing", NULL);
    /* Shapes and dtypes: q8 of w4 is 12 x 20; as 20 x 12, or as U8, it is refused. */
    expect_fail(edit_header(&deployment8, "\"shape\":[12,20]", "\"shape\":[20,12]"),
                "does not match the configuration [12, 20]", ".q8");
    expect_fail(edit_header(&deployment8, "\"dtype\":\"I8\"", "\"dtype\":\"U8\""),
                "dtype U8, expected I8", "embed.tok.q8");
    expect_fail(edit_header(&deployment8, "\"shape\":[1]", "\"shape\":[1,1]"),
                "act_scale': shape [1, 1] does not match the configuration [1]", NULL);
}

/* Loading through the path prefixes the file name; a failed load leaves nothing behind. */
static void test_on_disk(void **state)
{
    (void)state;
    char path[256], err[512];
    temp_path(path, sizeof path, "corrupt");
    blob c = edit_header(&checkpoint, "\"exits.1.bias\"", "\"exits.1.bias_\"");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(c.buf, 1, c.len, f), c.len);
    assert_int_equal(fclose(f), 0);
    free(c.buf);
    beex_model *m = NULL;
    assert_int_not_equal(beex_model_load(path, &m, err, sizeof err), 0);
    assert_null(m);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "exits.1.bias"));
    f = fopen(path, "wb");
    assert_int_equal(fclose(f), 0);
    assert_int_not_equal(beex_model_load(path, &m, err, sizeof err), 0);
    assert_non_null(strstr(err, "truncated"));
    unlink(path);
}

static void test_count(void **state)
{
    (void)state;
    print_message("  %d distinct corrupt files rejected\n", cases_run);
    assert_true(cases_run >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_files_load),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_tensor_entries),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_model_layout),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_w8a8),
        cmocka_unit_test(test_on_disk),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
