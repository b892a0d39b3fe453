/* Running one function on the calling thread while the other threads of the OpenMP team are
 * parked off their CPUs. After a parallel region libgomp's threads spin for milliseconds
 * before they sleep; a single-thread measurement pinned to one of their CPUs in that time
 * shares the CPU with a spinner and reads up to twice too slow. Parked on a condition
 * variable they hold no CPU at all. */
#ifndef BEEX_BASE_RUN_ALONE_H
#define BEEX_BASE_RUN_ALONE_H

/* Runs fn(ctx) on the calling thread (thread 0 of a region of beex_threads_count() threads)
 * once the region's other threads are blocked, and wakes them afterwards. fn may pin the
 * calling thread (beex_pin_self) but must open no parallel region of more than one thread
 * (a nested region runs on one thread anyway). Call it outside any parallel region. */
void beex_run_alone(void (*fn)(void *ctx), void *ctx);

/* Pins the calling thread to CPU cpu (the OS's number), saving its mask in *saved_mask
 * (an opaque cpu_set_t of BEEX_CPU_MASK_BYTES bytes); beex_unpin_self restores it. Return
 * 0, or -1 with errno set. */
enum { BEEX_CPU_MASK_BYTES = 128 };
int beex_pin_self(int cpu, unsigned char *saved_mask);
int beex_unpin_self(const unsigned char *saved_mask);

#endif
