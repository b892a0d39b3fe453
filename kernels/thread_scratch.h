/* Per-thread working buffers of the kernel drivers (private to kernels/ and variants/): kept
 * between calls, because a fresh allocation per call cost more than a model-sized GEMM, and
 * freed when their thread ends, so that an OpenMP pool that shrinks leaks nothing. One slot
 * per user: two drivers running in one thread never share a buffer. */
#ifndef BEEX_KERNELS_THREAD_SCRATCH_H
#define BEEX_KERNELS_THREAD_SCRATCH_H

#include <stddef.h>

enum {
    BEEX_SCRATCH_BGEMM_A,    /* kernels/bgemm.c: the packed activation words */
    BEEX_SCRATCH_IGEMM_A,    /* kernels/igemm.c: the int8 activation panels */
    BEEX_SCRATCH_BGEMM_I8_A, /* variants/{avxvnni,amx}/bgemm.c: activation bits as bytes */
    BEEX_SCRATCH_SLOTS
};

/* At least `bytes` bytes, 64-byte aligned, for the calling thread's `slot`; zeroed when
 * (re)allocated, not between calls. NULL when out of memory. */
void *beex_thread_scratch(int slot, size_t bytes);

#endif
