/* A one-line progress bar on stderr for long passes (traces, timed runs, training). */
#ifndef BEEX_BASE_PROGRESS_H
#define BEEX_BASE_PROGRESS_H

/* Redraws the bar when stderr is a terminal; otherwise prints a single line when done. */
void beex_progress(const char *what, long done, long total);

/* A bar with the time left (eta_seconds < 0: not known yet), for passes whose steps are long
 * (a study's units). Draws only on a terminal; beex_progress_clear wipes it before a line of
 * text is printed, so lines and the bar do not mix. */
void beex_progress_eta(const char *what, long done, long total, double eta_seconds);
void beex_progress_clear(void);

#endif
