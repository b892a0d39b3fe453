/* Tokenizer rules (exact token lists on tricky strings), vocabulary ordering and ties,
 * encoding with truncation and the empty-text rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/text/tokenizer.h"

typedef struct {
    char joined[1024];
} collect;

static void add(const char *tok, void *ctx)
{
    collect *c = ctx;
    if (c->joined[0] != '\0')
        strcat(c->joined, "|");
    strcat(c->joined, tok);
}

/* Tokens joined with '|', so a failure shows the whole list. */
static void expect(const char *text, const char *want)
{
    collect c = {{0}};
    beex_tokenize_each(text, add, &c);
    assert_string_equal(c.joined, want);
}

static void test_lowercase_and_punctuation(void **state)
{
    (void)state;
    expect("The Rock is DESTINED!", "the|rock|is|destined|!");
    expect("wait... what?!", "wait|...|what|?|!");
    expect("a -- b", "a|--|b");
    expect("(ghost world)", "(|ghost|world|)");
    expect("``quoted''", "``|quoted|''");
    expect("  \t\n ", "");
    expect("", "");
}

static void test_apostrophes(void **state)
{
    (void)state;
    expect("don't", "do|n't");
    expect("Can't WON'T", "ca|n't|wo|n't");
    expect("the film's end", "the|film|'s|end");
    expect("they're I'm we'd you'll I've", "they|'re|i|'m|we|'d|you|'ll|i|'ve");
    expect("O'Neil rock'n'roll", "o'neil|rock'n'roll");
    expect("'80s dogs' 'quoted'", "'|80s|dogs|'|'|quoted|'");
    expect("do n't", "do|n't");
    expect("it\xE2\x80\x99s", "it|'s"); /* U+2019 is an apostrophe */
}

static void test_hyphens_and_digits(void **state)
{
    (void)state;
    expect("co-writer/director", "co-writer|/|director");
    expect("well--written -x y-", "well|--|written|-|x|y|-");
    expect("21st century, 5.93 mln, 155,221 bags", "21st|century|,|5.93|mln|,|155,221|bags");
    expect("1.5. end.", "1.5|.|end|.");
    expect("$5 3:30 10%", "$|5|3|:|30|10|%");
}

/* A '.' or ',' joins only with an ASCII digit on BOTH sides: a digit after it alone (a.5) or
 * before it alone (3.a) is not enough, and neither is the end of the text (3.). */
static void test_digit_separators_need_digits_both_sides(void **state)
{
    (void)state;
    expect("a.5 x,9", "a|.|5|x|,|9");
    expect("3.a 4,b", "3|.|a|4|,|b");
    expect("3.5", "3.5");
    expect("3,000", "3,000");
    expect("3.", "3|.");
    expect(",5 .5", ",|5|.|5");
}

static void test_non_ascii(void **state)
{
    (void)state;
    expect("CAF\xC3\x89 na\xC3\xAFve", "caf\xC3\xA9|na\xC3\xAFve"); /* É -> é */
    expect("\xCE\x91\xCE\x92\xCE\x93 \xD0\x9F\xD0\xA0",
           "\xCE\xB1\xCE\xB2\xCE\xB3|\xD0\xBF\xD1\x80");
    expect("a\xC2\xA0"
           "b",
           "a|b"); /* NBSP */
    expect("a\xE2\x80\x94"
           "b",
           "a|\xE2\x80\x94|b");                       /* em dash */
    expect("\xE2\x80\x9Chi\xE2\x80\x9D", "\"|hi|\""); /* curly quotes */
    expect("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
    expect("ok\xF0\x9F\x98\x80\xF0\x9F\x98\x80!", "ok|\xF0\x9F\x98\x80\xF0\x9F\x98\x80|!");
    expect("bad\xFFtext", "bad|text"); /* invalid bytes separate, never crash */
}

/* Every end of every lowercasing range (tokenizer.c rule 1: ASCII A-Z, Latin-1 U+00C0-U+00DE
 * except U+00D7, Greek U+0391-U+03A9 except the unassigned U+03A2, Cyrillic U+0400-U+042F),
 * each mapped to its small letter by hand from the Unicode tables, and the code points just
 * outside a range, which must stay as they are. */
static void test_lowercase_range_ends(void **state)
{
    (void)state;
    /* ASCII: 'A' and 'Z' lowercase; '@' (just below) and '[' (just above) are punctuation. */
    expect("@AZ[", "@|az|[");
    expect("ZA", "za");
    /* Latin-1: U+00C0 A-grave and U+00DE thorn are the ends; U+00D6 O-diaeresis and U+00D8
     * O-stroke lowercase around U+00D7 multiplication sign, which stays (punctuation), as do
     * U+00BF inverted question mark just below and U+00DF sharp s (already small) just above. */
    expect("\xC3\x80\xC3\x9E", "\xC3\xA0\xC3\xBE");
    expect("\xC3\x96\xC3\x97\xC3\x98", "\xC3\xB6|\xC3\x97|\xC3\xB8");
    expect("\xC2\xBF\xC3\x9F", "\xC2\xBF|\xC3\x9F");
    /* Greek: U+0391 Alpha and U+03A9 Omega are the ends; U+03A1 Rho and U+03A3 Sigma around
     * the unassigned U+03A2, which stays (a word character: it would become final sigma
     * U+03C2 if it were shifted); U+0390 (small iota with dialytika and tonos) just below. */
    expect("\xCE\x91\xCE\xA9", "\xCE\xB1\xCF\x89");
    expect("\xCE\xA1\xCE\xA2\xCE\xA3", "\xCF\x81\xCE\xA2\xCF\x83");
    expect("\xCE\x90", "\xCE\x90");
    /* Cyrillic: U+0410 A and U+042F Ya (+ 0x20), U+0400 Ie-grave and U+040F Dzhe (+ 0x50) are
     * the ends; Zhe U+0416 -> U+0436 and Io U+0401 -> U+0451 inside; small a U+0430 just
     * above stays. */
    expect("\xD0\x90\xD0\xAF", "\xD0\xB0\xD1\x8F");
    expect("\xD0\x80\xD0\x8F", "\xD1\x90\xD1\x9F");
    expect("\xD0\x96\xD0\x81 \xD0\xB0", "\xD0\xB6\xD1\x91|\xD0\xB0");
}

static void test_vocab_order_and_ties(void **state)
{
    (void)state;
    const char *texts[] = {"b a c", "a b", "a d", "z y"};
    beex_vocab *v = beex_vocab_build(texts, 4, 6);
    assert_non_null(v);
    assert_int_equal(beex_vocab_size(v), 6);
    assert_string_equal(beex_vocab_token(v, 0), "[PAD]");
    assert_string_equal(beex_vocab_token(v, 1), "[UNK]");
    /* a:3, b:2, then c d y z tied at 1 -> byte order keeps c and d. */
    assert_string_equal(beex_vocab_token(v, 2), "a");
    assert_string_equal(beex_vocab_token(v, 3), "b");
    assert_string_equal(beex_vocab_token(v, 4), "c");
    assert_string_equal(beex_vocab_token(v, 5), "d");
    assert_int_equal(beex_vocab_lookup(v, "d"), 5);
    assert_int_equal(beex_vocab_lookup(v, "z"), BEEX_UNK_ID);
    assert_null(beex_vocab_token(v, 6));
    beex_vocab_free(v);

    /* Byte order, not locale order: uppercase never appears, but 'Z' < 'a' < '\xC3'. */
    const char *more[] = {"\xC3\xA9t\xC3\xA9 zebra apple"};
    v = beex_vocab_build(more, 1, 10);
    assert_int_equal(beex_vocab_size(v), 5);
    assert_string_equal(beex_vocab_token(v, 2), "apple");
    assert_string_equal(beex_vocab_token(v, 3), "zebra");
    assert_string_equal(beex_vocab_token(v, 4), "\xC3\xA9t\xC3\xA9");
    beex_vocab_free(v);
    assert_null(beex_vocab_build(more, 1, 1));
}

static void test_vocab_from_tokens(void **state)
{
    (void)state;
    char *toks[] = {"[PAD]", "[UNK]", "film", "good"};
    beex_vocab *v = beex_vocab_from_tokens(toks, 4);
    assert_non_null(v);
    assert_int_equal(beex_vocab_lookup(v, "good"), 3);
    assert_int_equal(beex_vocab_lookup(v, "[PAD]"), 0);
    int32_t ids[8];
    int n_tok = -1;
    assert_int_equal(beex_encode(v, "Good FILM, good!", ids, 8, &n_tok), 5);
    assert_int_equal(n_tok, 5);
    int32_t want[] = {3, 2, 1, 3, 1};
    assert_memory_equal(ids, want, sizeof want);
    beex_vocab_free(v);
    assert_null(beex_vocab_from_tokens(toks, 1));
}

static void test_encode_truncation_and_empty(void **state)
{
    (void)state;
    const char *texts[] = {"one two three four five"};
    beex_vocab *v = beex_vocab_build(texts, 1, 100);
    int32_t ids[4] = {-7, -7, -7, -7};
    int n_tok = 0;
    assert_int_equal(beex_encode(v, "one two three four five", ids, 3, &n_tok), 3);
    assert_int_equal(n_tok, 5);
    assert_int_equal(ids[0], beex_vocab_lookup(v, "one"));
    assert_int_equal(ids[2], beex_vocab_lookup(v, "three"));
    assert_int_equal(ids[3], -7); /* nothing written past max_len */
    assert_int_equal(beex_encode(v, "", ids, 3, &n_tok), 1);
    assert_int_equal(ids[0], BEEX_UNK_ID);
    assert_int_equal(n_tok, 0);
    assert_int_equal(beex_encode(v, " ... ", ids, 3, NULL), 1);
    assert_int_equal(ids[0], BEEX_UNK_ID);
    beex_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lowercase_and_punctuation),
        cmocka_unit_test(test_apostrophes),
        cmocka_unit_test(test_hyphens_and_digits),
        cmocka_unit_test(test_digit_separators_need_digits_both_sides),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_lowercase_range_ends),
        cmocka_unit_test(test_vocab_order_and_ties),
        cmocka_unit_test(test_vocab_from_tokens),
        cmocka_unit_test(test_encode_truncation_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
