/* Option values for every subcommand: one strict parser per kind, so that "12x", "", a value
 * past the range, one that overflows `long` or a variant this CPU lacks is rejected the same
 * way everywhere, with a message naming the command, the option and what it accepts. */
#ifndef BEEX_CLI_CLI_ARGS_H
#define BEEX_CLI_CLI_ARGS_H

/* Parses s as a decimal integer in [lo, hi]. On error prints
 * "beex CMD: --OPT needs an integer in [lo, hi], got 'S'" and returns -1. */
int beex_arg_int(const char *cmd, const char *opt, const char *s, int lo, int hi, int *out);

/* One rule for --threads in every command: an integer in [1, BEEX_MAX_THREADS]; omitting the
 * option means one thread per allowed core. */
#define BEEX_MAX_THREADS 256

/* Parses a comma list of integers in [lo, hi], at most cap of them, into out; an empty field
 * ("1,,2", "8,", ",8") is an error. Returns the count, or -1 after printing
 * "beex CMD: --OPT needs a comma list of integers in [lo, hi], got 'S'". */
int beex_arg_int_list(const char *cmd, const char *opt, const char *s, int lo, int hi, int *out,
                      int cap);

/* 1 when a comma list has an empty field (leading, trailing or doubled comma, or empty). */
int beex_list_has_empty_field(const char *s);

/* Parses a list of kernel variants: "all" (every variant this build contains and this CPU
 * runs, in pick order when pick_order, else in beex_isa order; BEEX_ISA does not narrow it),
 * or a comma list of variant names kept in the order given. A name that is unknown, listed
 * twice, or that this build or CPU lacks is an error, never skipped: the message names the
 * variant and the reason. Writes at most BEEX_ISA_COUNT values to out and returns the count,
 * or -1 after printing "beex CMD: --OPT: ...". */
int beex_arg_variants(const char *cmd, const char *opt, const char *s, int pick_order, int *out);

/* Parses s as a finite number. On error prints a message and returns -1. */
int beex_arg_double(const char *cmd, const char *opt, const char *s, double *out);

/* Checks an output file option before any work (base/atomic_file.h's rules: an existing
 * writable directory; not a directory, device or FIFO). On error prints
 * "beex CMD: --OPT PATH: why" and returns -1. */
int beex_arg_output(const char *cmd, const char *opt, const char *path);

/* An output option must not name one of the command's inputs (base/atomic_file.h's
 * beex_same_file). On a match prints "beex CMD: --OPT OUT is WHAT IN: ..." and returns -1. */
int beex_arg_output_not_input(const char *cmd, const char *opt, const char *out, const char *what,
                              const char *in);
/* The same for every file of a task (train/dev/test.tsv, labels.txt). A task that does not
 * resolve is left to the run to report. */
int beex_arg_output_not_task(const char *cmd, const char *opt, const char *out, const char *task);

#endif
