/* The generic safetensors layer: write then parse arbitrary tensors (shapes of any rank,
 * zero-sized tensors, metadata), the exact byte layout other tools expect, and files written
 * by hand the way other writers lay them out. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_parse),
        cmocka_unit_test(test_foreign_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
