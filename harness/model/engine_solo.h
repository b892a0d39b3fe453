/* An engine's one-thread twin: the same weights and precision on one thread, for a caller
 * that measures whether an engine's threads help (the sweep's timed points) and wants the
 * same model on one thread without loading or repacking it again. */
#ifndef BEEX_MODEL_ENGINE_SOLO_H
#define BEEX_MODEL_ENGINE_SOLO_H

#include "harness/model/engine.h"

/* The twin: e itself when e runs on one thread, else e's first across-examples worker
 * (created on first use; single-threaded, sharing e's weights, owned and freed by e). It runs
 * on the calling thread and gives the same results as e (every kernel is row-wise with a
 * fixed summation order). Never call it while a call on e is under way: e's split across
 * examples uses the same worker. NULL when out of memory. */
beex_engine *beex_engine_solo(beex_engine *e);

/* The threads e was created for. */
int beex_engine_threads(const beex_engine *e);

#endif
