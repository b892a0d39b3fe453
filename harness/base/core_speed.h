/* Each allowed core's own speed, measured: on machines with unequal cores (P and E cores,
 * big.LITTLE, a VM whose vCPUs run 15-20 % apart) the thread that runs a program's serial
 * parts should sit on the fastest one. A short dependent integer chain (its speed is the
 * core's clock and its share of the host) is timed pinned to each CPU in turn, round-robin,
 * and each CPU keeps the median of its rounds. */
#ifndef BEEX_BASE_CORE_SPEED_H
#define BEEX_BASE_CORE_SPEED_H

/* rates[i] = chain steps per second of CPU cpus[i] (the OS's numbering), the median of
 * `rounds` runs of about `seconds` each, taken round-robin over the CPUs. The calling
 * thread's CPU mask is restored afterwards. Returns 0, or -1 (a CPU refused, or bad
 * arguments). */
int beex_core_speeds(const int *cpus, int n, int rounds, double seconds, double *rates);

/* order[0..n) = the indices of rates from the fastest to the slowest; equal rates keep their
 * index order, and a rate that is not a positive number goes last. */
void beex_order_by_speed(const double *rates, int n, int *order);

#endif
