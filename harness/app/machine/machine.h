/* `beex machine`: one fixed, versioned set of measurements of a machine written as one
 * self-describing JSON bundle (run), the reference record its accuracy check compares with
 * (reference), and the report that sets bundles of several machines side by side (report).
 * The commands (cli/cmd_machine.c) read the options; docs/machine-bundle.md is the schema. */
#ifndef BEEX_APP_MACHINE_MACHINE_H
#define BEEX_APP_MACHINE_MACHINE_H

#include "kernels/cpu.h"

#define BEEX_MACHINE_DEFAULT_MODEL "models/mr-w1a1.safetensors"
#define BEEX_MACHINE_DEFAULT_TASK "datasets/data/mr"
#define BEEX_MACHINE_DEFAULT_REFERENCE "results/machines/reference-mr-w1a1.json"
#define BEEX_MACHINE_DEFAULT_REPORT_DIR "results/machines"

typedef struct {
    const char *model, *task, *reference, *out, *name;
    int quick;
    int plan_only;         /* print the measurement list with its times and stop */
    double budget_seconds; /* whole run; 0: 480 (quick: 90) */
    double budget_scale;   /* test knob: every measurement's time multiplied by it (1) */
    int variants[BEEX_ISA_COUNT], n_variants; /* 0: every available variant */
    int threads;                              /* 0: every allowed core */
} beex_machine_run_options;

/* Returns the exit status: 0 (also for a bundle marked invalid: it is written and says why),
 * 1 on a runtime error (no bundle written), 2 for inputs refused before any measurement. */
int beex_machine_run(const beex_machine_run_options *o);

/* Writes the reference record of model on task (the accuracy check's own computation).
 * Returns the exit status. */
int beex_machine_reference(const char *model, const char *task, const char *out);

typedef struct {
    const char *const *inputs; /* bundle files, directories of them, or sweep.json files */
    int n_inputs;
    const char *out;               /* NULL: results/machines */
    const char *reference_machine; /* NULL: the first bundle of each group */
} beex_machine_report_options;

/* Returns the exit status: 0, 1 on a runtime error, 2 when no input is usable. */
int beex_machine_report(const beex_machine_report_options *o);

#endif
