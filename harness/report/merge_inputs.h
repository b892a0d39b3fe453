/* The inputs of `beex merge` and `beex machine report`: JSON files named on the command line,
 * or every *.json of a named directory in name order, loaded once each. One reader for both,
 * so that the two commands accept the same paths and say the same things about bad ones. */
#ifndef BEEX_REPORT_MERGE_INPUTS_H
#define BEEX_REPORT_MERGE_INPUTS_H

#include "harness/report/merge.h"

/* Appends PATH's document(s) to *in (grown with realloc; *n counts them). Messages go to
 * stderr prefixed with `who` ("beex merge") and name the file. Returns 0, or -1 on a missing
 * path, an unlistable directory, a file that is not JSON, or no memory. */
int beex_merge_inputs_add(const char *who, const char *path, beex_merge_input **in, int *n);
/* Frees what beex_merge_inputs_add loaded, and the array. */
void beex_merge_inputs_free(beex_merge_input *in, int n);

#endif
