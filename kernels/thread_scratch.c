/* Per-thread buffers (thread_scratch.h). */
#include "kernels/thread_scratch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local void *buf[BEEX_SCRATCH_SLOTS];
static _Thread_local size_t cap[BEEX_SCRATCH_SLOTS];
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;
static pthread_key_t keys[BEEX_SCRATCH_SLOTS];
static int keys_ok;

static void keys_make(void)
{
    keys_ok = 1;
    for (int s = 0; s < BEEX_SCRATCH_SLOTS; s++)
        keys_ok &= pthread_key_create(&keys[s], free) == 0;
}

void *beex_thread_scratch(int slot, size_t bytes)
{
    if (slot < 0 || slot >= BEEX_SCRATCH_SLOTS)
        return NULL;
    if (bytes <= cap[slot] && buf[slot] != NULL)
        return buf[slot];
    pthread_once(&keys_once, keys_make);
    /* The key lets go of the old buffer before it is freed, so that a failure below can never
     * leave the thread's destructor a freed pointer. */
    if (keys_ok)
        pthread_setspecific(keys[slot], NULL);
    free(buf[slot]);
    size_t size = (bytes + 63) / 64 * 64;
    buf[slot] = aligned_alloc(64, size == 0 ? 64 : size);
    cap[slot] = buf[slot] != NULL ? bytes : 0;
    if (buf[slot] != NULL)
        memset(buf[slot], 0, size == 0 ? 64 : size);
    /* Without the key the buffer would outlive its thread: refuse it (out of memory). */
    if (buf[slot] != NULL && (!keys_ok || pthread_setspecific(keys[slot], buf[slot]) != 0)) {
        free(buf[slot]);
        buf[slot] = NULL;
        cap[slot] = 0;
    }
    return buf[slot];
}
