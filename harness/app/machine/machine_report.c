/* `beex machine report`: bundles (files, or directories of *.json) read in the order given
 * (a directory's files in name order), grouped by model bytes and suite version, written as
 * tables and rooflines. sweep.json files of several machines go to `beex merge`'s machines
 * table writer (machines.csv), so there is one writer of that table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/machine/machine.h"
#include "harness/app/machine/machine_internal.h"
#include "harness/report/merge.h"
#include "harness/report/merge_inputs.h"
#include "harness/report/run_dir.h"

enum { MAX_INPUTS = 256, MAX_GROUPS = 32 };

int beex_machine_report(const beex_machine_report_options *o)
{
    const char *out = o->out != NULL ? o->out : BEEX_MACHINE_DEFAULT_REPORT_DIR;
    static beex_machine_figures f[MAX_INPUTS];
    static beex_merge_input sweeps[MAX_INPUTS];
    beex_machine_group g[MAX_GROUPS];
    beex_merge_input *in = NULL;
    int status = 1, nf = 0, nw = 0, n = 0;
    char err[1024];
    json_t *notes = json_array();
    for (int i = 0; i < o->n_inputs; i++)
        if (beex_merge_inputs_add("beex machine report", o->inputs[i], &in, &n) != 0)
            goto done;
    if (n > MAX_INPUTS) {
        fprintf(stderr, "beex machine report: more than %d inputs\n", MAX_INPUTS);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const char *kind = json_string_value(json_object_get(in[i].doc, "kind"));
        if (beex_machine_figures_of(in[i].doc, in[i].path, &f[nf]) == 0)
            nf++;
        else if (kind != NULL && strcmp(kind, "beex-sweep") == 0)
            sweeps[nw++] = in[i];
        else if (kind != NULL && strcmp(kind, BEEX_MACHINE_REFERENCE_KIND) == 0)
            continue; /* results/machines/ holds it beside the bundles: not a machine */
        else
            fprintf(stderr,
                    "beex machine report: %s: neither a machine bundle nor a sweep.json, "
                    "ignored\n",
                    in[i].path);
    }
    if (nf + nw == 0) {
        fprintf(stderr, "beex machine report: no machine bundle among the inputs\n");
        status = 2;
        goto done;
    }
    if (o->reference_machine != NULL) {
        int found = 0;
        for (int i = 0; i < nf; i++)
            found |= strcmp(f[i].name, o->reference_machine) == 0;
        if (!found) {
            fprintf(stderr, "beex machine report: --reference-machine %s: no bundle of that name\n",
                    o->reference_machine);
            status = 2;
            goto done;
        }
    }
    if (beex_mkdir_p(out, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine report: %s\n", err);
        goto done;
    }
    if (nw > 0 && beex_merge_machines(sweeps, nw, out, err, sizeof err) != 0) {
        fprintf(stderr, "beex machine report: %s\n", err);
        goto done;
    }
    if (nf > 0) {
        int ng = beex_machine_group_of(f, nf, o->reference_machine, g, MAX_GROUPS);
        if (ng < 0) {
            fprintf(stderr, "beex machine report: more than %d model files or suite versions\n",
                    MAX_GROUPS);
            goto done;
        }
        if (beex_machine_roofline(f, nf, out, "plots", notes, err, sizeof err) != 0 ||
            beex_machine_write_tables(f, nf, g, ng, notes, out, err, sizeof err) != 0) {
            fprintf(stderr, "beex machine report: %s\n", err);
            goto done;
        }
        printf("%d bundle%s in %d table%s: %s/README.md, machines.tex, machines_bundles.csv\n", nf,
               nf == 1 ? "" : "s", ng, ng == 1 ? "" : "s", out);
    }
    if (nw > 0)
        printf("%d sweep%s: %s/machines.csv\n", nw, nw == 1 ? "" : "s", out);
    status = 0;
done:
    json_decref(notes);
    beex_merge_inputs_free(in, n);
    return status;
}
