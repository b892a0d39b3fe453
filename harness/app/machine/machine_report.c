/* `beex machine report`: bundles (files, or directories of *.json) read in the order given
 * (a directory's files in name order), grouped by model bytes and suite version, written as
 * tables and rooflines. sweep.json files of several machines go to `beex merge`'s machines
 * table writer (machines.csv), so there is one writer of that table. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/app/machine/machine.h"
#include "harness/app/machine/machine_internal.h"
#include "harness/report/merge.h"
#include "harness/report/run_dir.h"

enum { MAX_INPUTS = 256, MAX_GROUPS = 32 };

typedef struct {
    beex_merge_input in[MAX_INPUTS];
    int n;
} inputs;

static int add_file(const char *path, inputs *in)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (doc == NULL) {
        fprintf(stderr, "beex machine report: %s: line %d: %s\n", path, je.line, je.text);
        return -1;
    }
    if (in->n == MAX_INPUTS) {
        fprintf(stderr, "beex machine report: more than %d inputs\n", MAX_INPUTS);
        json_decref(doc);
        return -1;
    }
    beex_merge_input *p = &in->in[in->n++];
    p->path = strdup(path);
    const char *slash = strrchr(path, '/');
    p->dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    p->doc = doc;
    return 0;
}

static int add_path(const char *path, inputs *in)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "beex machine report: %s: no such file or directory\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return add_file(path, in);
    struct dirent **names;
    int k = scandir(path, &names, NULL, alphasort);
    if (k < 0) {
        fprintf(stderr, "beex machine report: %s: cannot list\n", path);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < k; i++) {
        size_t len = strlen(names[i]->d_name);
        if (rc == 0 && len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
            char p[4200];
            snprintf(p, sizeof p, "%s/%s", path, names[i]->d_name);
            json_t *peek = json_load_file(p, 0, NULL);
            const char *kind = json_string_value(json_object_get(peek, "kind"));
            /* a directory holds the reference record too: not an input */
            int skip = kind != NULL && strcmp(kind, BEEX_MACHINE_REFERENCE_KIND) == 0;
            json_decref(peek);
            if (!skip)
                rc = add_file(p, in);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static void inputs_free(inputs *in)
{
    for (int i = 0; i < in->n; i++) {
        free(in->in[i].path);
        free(in->in[i].dir);
        json_decref(in->in[i].doc);
    }
}

int beex_machine_report(const beex_machine_report_options *o)
{
    const char *out = o->out != NULL ? o->out : BEEX_MACHINE_DEFAULT_REPORT_DIR;
    static inputs in;
    static beex_machine_figures f[MAX_INPUTS];
    static beex_merge_input sweeps[MAX_INPUTS];
    beex_machine_group g[MAX_GROUPS];
    memset(&in, 0, sizeof in);
    int status = 1, nf = 0, nw = 0;
    char err[1024];
    json_t *notes = json_array();
    for (int i = 0; i < o->n_inputs; i++)
        if (add_path(o->inputs[i], &in) != 0)
            goto done;
    for (int i = 0; i < in.n; i++) {
        const char *kind = json_string_value(json_object_get(in.in[i].doc, "kind"));
        if (beex_machine_figures_of(in.in[i].doc, in.in[i].path, &f[nf]) == 0)
            nf++;
        else if (kind != NULL && strcmp(kind, "beex-sweep") == 0)
            sweeps[nw++] = in.in[i];
        else if (kind != NULL && strcmp(kind, BEEX_MACHINE_REFERENCE_KIND) == 0)
            continue; /* results/machines/ holds it beside the bundles: not a machine */
        else
            fprintf(stderr,
                    "beex machine report: %s: neither a machine bundle nor a sweep.json, "
                    "ignored\n",
                    in.in[i].path);
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
    inputs_free(&in);
    return status;
}
