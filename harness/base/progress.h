/* A one-line progress bar on stderr for long passes (traces, timed runs, training). */
#ifndef BEEX_BASE_PROGRESS_H
#define BEEX_BASE_PROGRESS_H

/* Redraws the bar when stderr is a terminal; otherwise prints a single line when done. */
void beex_progress(const char *what, long done, long total);

#endif
