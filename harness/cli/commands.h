/* One function per subcommand of `beex`, each in its own file harness/cli/cmd_<name>.c.
 * argv[0] is the subcommand's own name (e.g. "bench gemm"), so getopt_long works as usual.
 * Return the process exit status: 0 success, 1 runtime failure, 2 usage error. */
#ifndef BEEX_CLI_COMMANDS_H
#define BEEX_CLI_COMMANDS_H

int beex_cmd_variants(int argc, char **argv);
int beex_cmd_bench_gemm(int argc, char **argv);
int beex_cmd_bench_model(int argc, char **argv);
int beex_cmd_bench_train(int argc, char **argv);
int beex_cmd_init(int argc, char **argv);
int beex_cmd_export(int argc, char **argv);
int beex_cmd_quantize(int argc, char **argv);
int beex_cmd_run(int argc, char **argv);
int beex_cmd_data_stats(int argc, char **argv);
int beex_cmd_data_prepare(int argc, char **argv);
int beex_cmd_train(int argc, char **argv);
int beex_cmd_eval(int argc, char **argv);
int beex_cmd_sweep(int argc, char **argv);
int beex_cmd_study(int argc, char **argv);
int beex_cmd_merge(int argc, char **argv);
int beex_cmd_compare(int argc, char **argv);
int beex_cmd_machine_run(int argc, char **argv);
int beex_cmd_machine_reference(int argc, char **argv);
int beex_cmd_machine_report(int argc, char **argv);
int beex_cmd_trace_convert(int argc, char **argv);
int beex_cmd_history_record(int argc, char **argv);
int beex_cmd_history_backfill(int argc, char **argv);
int beex_cmd_history_changes(int argc, char **argv);
int beex_cmd_history_report(int argc, char **argv);
int beex_cmd_history_bisect(int argc, char **argv);
int beex_cmd_history_gate(int argc, char **argv);

#endif
