/* The suite's seeded random numbers: splitmix64, tiny and identical on every platform, so
 * that a seed names one result (a bootstrap interval, a model). Streams are derived from a
 * seed and a stream number, so parallel work draws the same numbers whatever the thread
 * count. */
#ifndef BEEX_BASE_PRNG_H
#define BEEX_BASE_PRNG_H

#include <stdint.h>

static inline uint64_t beex_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* One splitmix64 step from state z, without keeping the state: a hash of z. */
static inline uint64_t beex_mix64(uint64_t z)
{
    return beex_splitmix64(&z);
}

/* Initial state of stream `stream` of `seed`: two mixing rounds keep neighbouring streams
 * uncorrelated. */
static inline uint64_t beex_prng_stream(uint64_t seed, uint64_t stream)
{
    uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ull);
    (void)beex_splitmix64(&s);
    return s;
}

/* Uniform integer in [0, n), n >= 1, without modulo bias (Lemire's multiply-shift with
 * rejection). */
static inline uint32_t beex_prng_below(uint64_t *state, uint32_t n)
{
    uint64_t m = (uint64_t)(uint32_t)(beex_splitmix64(state) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(beex_splitmix64(state) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

#endif
