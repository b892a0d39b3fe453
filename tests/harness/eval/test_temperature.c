/* Temperature scaling per exit: on labels drawn from softmax(z), logits 3 z fit T close to 3
 * and z itself close to 1; the fit is a minimum of the NLL and the same on every call;
 * applying it divides the logits, keeps every argmax (ties after rounding included) and
 * recomputes the entropy; the bounds hold for data that wants a sharper or flatter softmax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "harness/base/prng.h"
#include "harness/eval/temperature.h"
#include "harness/model/exit.h"

#define N_EX 20000
#define C 3

static double uniform(uint64_t *s)
{
    return ((double)(beex_splitmix64(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* Exit 0 holds 3 z, exit 1 holds z, with z ~ N(0, 1.5^2) per class and the label drawn from
 * softmax(z): exit 1 is calibrated, exit 0 three times too sure. */
static void synthetic(beex_trace *t)
{
    assert_int_equal(beex_trace_alloc(t, N_EX, 2, C), 0);
    uint64_t s = beex_prng_stream(7, 0);
    for (int i = 0; i < N_EX; i++) {
        double z[C], p[C], sum = 0;
        for (int c = 0; c < C; c++) {
            double u1 = uniform(&s), u2 = uniform(&s);
            z[c] = 1.5 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
            sum += p[c] = exp(z[c]);
        }
        double r = uniform(&s) * sum;
        int y = 0;
        while (y < C - 1 && r > p[y])
            r -= p[y++];
        t->index[i] = i;
        t->label[i] = y;
        t->len[i] = 1;
        for (int c = 0; c < C; c++) {
            t->logits[(size_t)i * 2 * C + c] = (float)(3 * z[c]);
            t->logits[(size_t)i * 2 * C + C + c] = (float)z[c];
        }
        for (int b = 0; b < 2; b++)
            t->entropy[i * 2 + b] = beex_entropy_of_logits(t->logits + ((size_t)i * 2 + b) * C, C);
    }
}

static void fits_three(void **state)
{
    (void)state;
    beex_trace t;
    synthetic(&t);
    double T0 = beex_temperature_fit(&t, 0), T1 = beex_temperature_fit(&t, 1);
    assert_true(fabs(T0 - 3.0) < 0.15);
    assert_true(fabs(T1 - 1.0) < 0.05);
    /* a minimum: the NLL is higher on either side, and lower than unscaled */
    double f = beex_temperature_nll(&t, 0, T0);
    assert_true(f < beex_temperature_nll(&t, 0, T0 * 1.02));
    assert_true(f < beex_temperature_nll(&t, 0, T0 / 1.02));
    assert_true(f < beex_temperature_nll(&t, 0, 1.0) - 0.05);
    /* deterministic */
    double again = beex_temperature_fit(&t, 0);
    assert_memory_equal(&again, &T0, sizeof T0);

    /* Applying divides the logits, keeps the argmax, recomputes the entropy. */
    beex_trace u;
    assert_int_equal(beex_trace_alloc(&u, t.n, 2, C), 0);
    memcpy(u.logits, t.logits, (size_t)t.n * 2 * C * sizeof(float));
    memcpy(u.label, t.label, (size_t)t.n * sizeof(int32_t));
    double T[2] = {T0, T1};
    beex_temperature_apply(&u, T);
    for (int i = 0; i < t.n; i++)
        for (int b = 0; b < 2; b++) {
            const float *z0 = t.logits + ((size_t)i * 2 + b) * C;
            const float *z1 = u.logits + ((size_t)i * 2 + b) * C;
            assert_int_equal(beex_argmax(z0, C), beex_argmax(z1, C));
            for (int c = 0; c < C; c++)
                if (c != beex_argmax(z0, C))
                    assert_true(z1[c] == (float)((double)z0[c] / T[b]));
            float h = beex_softmax_summary(z1, C, NULL);
            assert_memory_equal(&h, &u.entropy[i * 2 + b], sizeof h);
        }
    /* the scaled exit 0 is as calibrated as exit 1: its fit is now close to 1 */
    assert_true(fabs(beex_temperature_fit(&u, 0) - 1.0) < 0.01);
    beex_trace_free(&u);
    beex_trace_free(&t);
}

/* Two logits one float apart that divide to the same float: the argmax must not move to the
 * lower class. */
static void tie_keeps_argmax(void **state)
{
    (void)state;
    float a = 1.0f, b;
    for (;; a = b) {
        b = nextafterf(a, 2.0f);
        if ((float)((double)a / 20.0) == (float)((double)b / 20.0))
            break;
        assert_true(a < 2.0f);
    }
    beex_trace t;
    assert_int_equal(beex_trace_alloc(&t, 1, 2, 2), 0);
    float z[4] = {a, b, a, b};
    memcpy(t.logits, z, sizeof z);
    assert_int_equal(beex_argmax(t.logits, 2), 1);
    double T[2] = {20.0, 1.0};
    beex_temperature_apply(&t, T);
    assert_int_equal(beex_argmax(t.logits, 2), 1);
    assert_int_equal(beex_argmax(t.logits + 2, 2), 1);
    assert_true(t.logits[2] == a && t.logits[3] == b);
    beex_trace_free(&t);
}

/* Always right with a margin: sharper is always better, T goes to its lower bound; labels
 * independent of confident logits: flatter is better, T goes to its upper bound. */
static void bounds(void **state)
{
    (void)state;
    beex_trace t;
    assert_int_equal(beex_trace_alloc(&t, 200, 2, 2), 0);
    for (int i = 0; i < 200; i++) {
        t.label[i] = i % 2;
        float *z = t.logits + (size_t)i * 4;
        z[0] = i % 2 ? 0.0f : 1.0f; /* exit 1: right */
        z[1] = i % 2 ? 1.0f : 0.0f;
        z[2] = (i / 2) % 2 ? 50.0f : 0.0f; /* exit 2: confident, unrelated to the label */
        z[3] = (i / 2) % 2 ? 0.0f : 50.0f;
    }
    assert_true(fabs(beex_temperature_fit(&t, 0) - BEEX_TEMPERATURE_MIN) < 1e-6);
    assert_true(fabs(beex_temperature_fit(&t, 1) - BEEX_TEMPERATURE_MAX) < 1e-5);
    beex_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fits_three),
        cmocka_unit_test(tie_keeps_argmax),
        cmocka_unit_test(bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
