/* The plan: every step of a run with a weight; the budget left after the accuracy check is
 * spread over the weights, so a machine with more variants or cores gives each step less
 * time instead of running longer. The ETA scales the planned rest by how the steps so far
 * kept to their plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/machine/machine_internal.h"
#include "harness/base/progress.h"
#include "harness/base/timing.h"

enum { MAX_STEPS = 1024 };

typedef struct {
    char name[96];
    double weight, planned, actual;
} step;

struct beex_machine_plan {
    step steps[MAX_STEPS];
    int n, current; /* current: index of the step running, -1 before the first */
    double unit, started, step_started;
};

static void add(beex_machine_plan *p, const char *name, double weight)
{
    if (p->n >= MAX_STEPS)
        return;
    snprintf(p->steps[p->n].name, sizeof p->steps[0].name, "%s", name);
    p->steps[p->n].weight = weight;
    p->n++;
}

beex_machine_plan *beex_machine_plan_new(const beex_machine_ctx *c, int libxsmm)
{
    beex_machine_plan *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->current = -1;
    char name[96];
    int top = c->threads[c->nthreads - 1];
    /* Limits: the bound loop of every variant on one thread and on the whole team, the fp32
     * loops, the triad, each CPU alone, the processes side by side. */
    for (int v = 0; v < c->nvariants; v++) {
        snprintf(name, sizeof name, "limit bound %s t1", beex_isa_name((beex_isa)c->variants[v]));
        add(p, name, 1.0);
        if (top > 1) {
            snprintf(name, sizeof name, "limit bound %s t%d",
                     beex_isa_name((beex_isa)c->variants[v]), top);
            add(p, name, 1.0);
        }
    }
    add(p, "limit fma scalar", 0.7);
    add(p, "limit fma widest", 0.7);
    add(p, "limit triad t1", 1.5);
    if (top > 1)
        add(p, "limit triad team", 1.5);
    add(p, "limit per-cpu", c->ncores > 16 ? 4.0 : 0.25 * c->ncores);
    if (top > 1)
        add(p, "limit processes", 1.0);
    /* Kernels: every shape x variant x thread count, and libxsmm fp32 beside them. */
    for (int s = 0; s < BEEX_MACHINE_NSHAPES; s++)
        for (int t = 0; t < c->nthreads; t++) {
            for (int v = 0; v < c->nvariants; v++) {
                beex_machine_kernel_step(name, sizeof name, "w1a1",
                                         beex_isa_name((beex_isa)c->variants[v]),
                                         &beex_machine_shapes[s].shape, c->threads[t]);
                add(p, name, 0.5);
            }
            if (libxsmm) {
                beex_machine_kernel_step(name, sizeof name, "fp32", "libxsmm",
                                         &beex_machine_shapes[s].shape, c->threads[t]);
                add(p, name, 0.5);
            }
        }
    /* The model: per precision x variant x depth, single-stream on one thread and on the
     * team, offline on the team at each batch. */
    static const char *const depths[2] = {"full", "selected"};
    for (int q = 0; q < BEEX_MACHINE_NPRECISIONS; q++)
        for (int v = 0; v < c->nvariants; v++)
            for (int d = 0; d < 2; d++) {
                for (int t = 0; t < c->nthreads; t++) {
                    beex_machine_model_step(name, sizeof name, "single-stream",
                                            beex_machine_precisions[q], c->variants[v], depths[d],
                                            c->threads[t], 1);
                    add(p, name, t == 0 ? 1.5 : 1.0);
                }
                for (int b = 0; b < BEEX_MACHINE_NBATCHES; b++) {
                    beex_machine_model_step(name, sizeof name, "offline",
                                            beex_machine_precisions[q], c->variants[v], depths[d],
                                            top, beex_machine_batches[b]);
                    add(p, name, 0.6);
                }
            }
    return p;
}

void beex_machine_plan_free(beex_machine_plan *p)
{
    free(p);
}

void beex_machine_plan_budget(beex_machine_plan *p, double seconds, double scale)
{
    double w = 0.0;
    for (int i = 0; i < p->n; i++)
        w += p->steps[i].weight;
    /* About a fifth of every step goes to what its slice does not cover (warm-ups, engine
     * set-up, calibration): plan for it. */
    p->unit = w > 0.0 ? seconds / w / 1.2 * scale : 0.0;
    if (p->unit < 1e-3)
        p->unit = 1e-3;
    for (int i = 0; i < p->n; i++)
        p->steps[i].planned = p->steps[i].weight * p->unit;
    p->started = beex_now_seconds();
}

static double eta(const beex_machine_plan *p)
{
    double planned_done = 0.0, actual_done = 0.0, planned_left = 0.0;
    for (int i = 0; i < p->n; i++) {
        if (i < p->current) {
            planned_done += p->steps[i].planned;
            actual_done += p->steps[i].actual;
        } else {
            planned_left += p->steps[i].planned * 1.2;
        }
    }
    double pace = planned_done > 0.0 ? actual_done / (planned_done * 1.2) : 1.0;
    return planned_left * pace;
}

static void close_current(beex_machine_plan *p)
{
    if (p->current >= 0 && p->current < p->n)
        p->steps[p->current].actual = beex_now_seconds() - p->step_started;
}

double beex_machine_step(beex_machine_plan *p, const char *name)
{
    close_current(p);
    int i = 0;
    while (i < p->n && strcmp(p->steps[i].name, name) != 0)
        i++;
    if (i == p->n) {
        add(p, name, 1.0);
        if (i < p->n)
            p->steps[i].planned = p->unit;
    }
    p->current = i < p->n ? i : p->n - 1;
    p->step_started = beex_now_seconds();
    double left = eta(p);
    if (isatty(STDERR_FILENO)) {
        beex_progress_eta(name, p->current, p->n, left);
    } else {
        long t = (long)(left + 0.5);
        fprintf(stderr, "beex machine run: [%d/%d] %s (ETA %ldm%02lds)\n", p->current + 1, p->n,
                name, t / 60, t % 60);
    }
    return p->current >= 0 ? p->steps[p->current].planned : p->unit;
}

void beex_machine_plan_finish(beex_machine_plan *p)
{
    close_current(p);
    p->current = p->n;
    beex_progress_clear();
}

void beex_machine_plan_print(const beex_machine_plan *p, double fixed_seconds)
{
    double total = fixed_seconds;
    printf("%-60s %10s\n", "step", "seconds");
    printf("%-60s %10.1f\n", "system, inputs, accuracy check (estimate)", fixed_seconds);
    for (int i = 0; i < p->n; i++) {
        printf("%-60s %10.2f\n", p->steps[i].name, p->steps[i].planned * 1.2);
        total += p->steps[i].planned * 1.2;
    }
    printf("%d steps, about %.0f s in all\n", p->n + 1, total);
}

json_t *beex_machine_plan_json(const beex_machine_plan *p)
{
    json_t *a = json_array();
    for (int i = 0; i < p->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:f, s:f}", "step", p->steps[i].name,
                                           "planned_seconds", p->steps[i].planned, "actual_seconds",
                                           p->steps[i].actual));
    return a;
}
