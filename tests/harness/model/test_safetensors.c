/* The generic safetensors layer: write then parse arbitrary tensors (shapes of any rank,
 * zero-sized tensors, metadata), the exact byte layout other tools expect, and files written
 * by hand the way other writers lay them out; offsets whose span is larger or smaller than
 * the shape's byte size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/model/safetensors.h"
#include "harness/model/test_model_io_util.h"

static void test_write_parse(void **state)
{
    (void)state;
    float a[2 * 3 * 4];
    uint8_t b[5] = {1, 2, 3, 250, 255};
    for (int i = 0; i < 24; i++)
        a[i] = (float)i * 0.5f - 3.0f;
    beex_st_entry e[3] = {
        {"rank3", BEEX_ST_F32, 3, {2, 3, 4}, a},
        {"empty", BEEX_ST_F32, 2, {0, 7}, NULL},
        {"bytes", BEEX_ST_U8, 1, {5}, b},
    };
    json_t *md = json_pack("{s:s, s:s}", "k", "v", "note", "multi\nline \xe2\x9c\x93");
    char path[256], err[512];
    temp_path(path, sizeof path, "st");
    assert_int_equal(beex_st_write(path, e, 3, md, err, sizeof err), 0);
    uint64_t predicted = 0;
    assert_int_equal(beex_st_size(e, 3, md, &predicted, err, sizeof err), 0);
    size_t len;
    uint8_t *buf = read_all(path, &len);
    assert_int_equal(predicted, len);
    /* Layout: 8-byte little-endian length, header padded with spaces to 8-aligned data. */
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | buf[i];
    assert_int_equal((8 + hl) % 8, 0);
    assert_int_equal(buf[8], '{');
    assert_int_equal(len, 8 + hl + sizeof a + sizeof b);
    assert_memory_equal(buf + 8 + hl, a, sizeof a);
    assert_memory_equal(buf + 8 + hl + sizeof a, b, sizeof b);

    beex_st_file f;
    assert_int_equal(beex_st_read(path, &f, err, sizeof err), 0);
    assert_int_equal(f.count, 3);
    const beex_st_tensor *t = beex_st_find(&f, "rank3");
    assert_non_null(t);
    assert_int_equal(t->ndim, 3);
    assert_int_equal(t->shape[2], 4);
    assert_int_equal(t->dtype, BEEX_ST_F32);
    assert_memory_equal(t->data, a, sizeof a);
    t = beex_st_find(&f, "empty");
    assert_int_equal(t->begin, t->end);
    assert_int_equal(t->shape[1], 7);
    t = beex_st_find(&f, "bytes");
    assert_int_equal(t->dtype, BEEX_ST_U8);
    assert_memory_equal(t->data, b, sizeof b);
    assert_null(beex_st_find(&f, "missing"));
    assert_string_equal(beex_st_meta(&f, "note"), "multi\nline \xe2\x9c\x93");
    assert_null(beex_st_meta(&f, "absent"));
    beex_st_close(&f);
    free(buf);
    unlink(path);

    /* Duplicate names are refused before anything is written. */
    e[2].name = "rank3";
    assert_int_not_equal(beex_st_write(path, e, 3, md, err, sizeof err), 0);
    assert_non_null(strstr(err, "duplicate"));
    assert_int_equal(access(path, F_OK), -1);
    json_decref(md);
    /* Metadata must be a string map. */
    md = json_pack("{s:i}", "n", 3);
    e[2].name = "bytes";
    assert_int_not_equal(beex_st_write(path, e, 3, md, err, sizeof err), 0);
    assert_non_null(strstr(err, "bad metadata"));
    json_decref(md);
}

/* Files as another writer might produce them: no metadata, tensors listed in any order,
 * header whitespace and padding, no tensors at all. */
static void test_foreign_files(void **state)
{
    (void)state;
    static const char hdr[] = "{ \"b\" : {\"shape\":[2],\"dtype\":\"U8\",\"data_offsets\":[4,6]},\n"
                              "  \"a\":{\"data_offsets\":[0,4],\"dtype\":\"F32\",\"shape\":[]} }"
                              "       ";
    uint8_t buf[8 + sizeof hdr - 1 + 6];
    uint64_t hl = sizeof hdr - 1;
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(hl >> (8 * i));
    memcpy(buf + 8, hdr, hl);
    float one = 1.0f;
    memcpy(buf + 8 + hl, &one, 4);
    buf[8 + hl + 4] = 7;
    buf[8 + hl + 5] = 9;
    beex_st_file f;
    char err[512];
    if (beex_st_parse(buf, sizeof buf, &f, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_null(f.metadata);
    const beex_st_tensor *a = beex_st_find(&f, "a"), *b = beex_st_find(&f, "b");
    assert_int_equal(a->ndim, 0); /* a scalar */
    float v;
    memcpy(&v, a->data, 4);
    assert_true(v == 1.0f);
    assert_int_equal(b->data[1], 9);
    beex_st_close(&f);

    uint8_t buf2[8 + 2] = {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    assert_int_equal(beex_st_parse(buf2, sizeof buf2, &f, err, sizeof err), 0);
    assert_int_equal(f.count, 0);
    beex_st_close(&f);
    /* A hole between tensors is not a valid file: b moved one byte on, the file one longer. */
    char *at = strstr((char *)buf + 8, "[4,6]");
    assert_non_null(at);
    memcpy(at, "[5,7]", 5);
    uint8_t longer[sizeof buf + 1];
    memcpy(longer, buf, sizeof buf);
    longer[sizeof buf] = 0;
    assert_int_not_equal(beex_st_parse(longer, sizeof longer, &f, err, sizeof err), 0);
    assert_non_null(strstr(err, "hole"));
    assert_non_null(strstr(err, "'b'"));
    assert_int_not_equal(beex_st_parse(buf, sizeof buf, &f, err, sizeof err), 0);
}

/* Parses header hdr followed by data_len zero bytes of data (8-byte little-endian length,
 * then the header, then the data). */
static int parse_with(const char *hdr, size_t data_len, beex_st_file *f, char *err, size_t errlen)
{
    size_t hl = strlen(hdr);
    uint8_t *buf = calloc(1, 8 + hl + data_len);
    assert_non_null(buf);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, hdr, hl);
    int rc = beex_st_parse(buf, 8 + hl + data_len, f, err, errlen);
    if (rc == 0)
        beex_st_close(f);
    free(buf);
    return rc;
}

/* data_offsets must hold exactly dtype size x shape bytes, in both directions. The offsets
 * here tile the data section exactly (so only the size rule can object): a U8 [2] tensor
 * given 3 bytes, an F32 [2] given 12 instead of 8, an F32 [] (a scalar: 4 bytes) given 5;
 * and a U8 [3] given 2 bytes, an F32 [2] given 7. The control case (sizes right) parses. */
static void test_span_must_equal_size(void **state)
{
    (void)state;
    beex_st_file f;
    char err[512];
    assert_int_equal(parse_with("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                                "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,10]}}",
                                10, &f, err, sizeof err),
                     0);

    /* Span larger than the shape needs. */
    assert_int_not_equal(
        parse_with("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,3]}}", 3, &f, err,
                   sizeof err),
        0);
    assert_non_null(strstr(err, "tensor 'a': size mismatch"));
    assert_non_null(strstr(err, "hold 3 bytes"));
    assert_non_null(strstr(err, "needs 2"));
    assert_int_not_equal(
        parse_with("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,14]}}",
                   14, &f, err, sizeof err),
        0);
    assert_non_null(strstr(err, "tensor 'b': size mismatch"));
    assert_non_null(strstr(err, "hold 12 bytes"));
    assert_non_null(strstr(err, "needs 8"));
    assert_int_not_equal(
        parse_with("{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,5]}}", 5, &f, err,
                   sizeof err),
        0);
    assert_non_null(strstr(err, "tensor 's': size mismatch"));
    assert_non_null(strstr(err, "needs 4"));

    /* Span smaller than the shape needs; a second tensor fills the rest of the data section
     * (a product past the whole section is reported as "more than" its size instead). */
    assert_int_not_equal(
        parse_with("{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,2]},"
                   "\"c\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}",
                   6, &f, err, sizeof err),
        0);
    assert_non_null(strstr(err, "tensor 'a': size mismatch"));
    assert_non_null(strstr(err, "hold 2 bytes"));
    assert_non_null(strstr(err, "needs 3"));
    assert_int_not_equal(
        parse_with("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,7]},"
                   "\"c\":{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[7,12]}}",
                   12, &f, err, sizeof err),
        0);
    assert_non_null(strstr(err, "tensor 'b': size mismatch"));
    assert_non_null(strstr(err, "hold 7 bytes"));
    assert_non_null(strstr(err, "needs 8"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_parse),
        cmocka_unit_test(test_foreign_files),
        cmocka_unit_test(test_span_must_equal_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
