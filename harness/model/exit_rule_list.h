/* The exit rules, one line each: BEEX_EXIT_RULE(ID, sym) names the kind BEEX_EXIT_<ID> and
 * the rule's table entry beex_exit_rule_<sym>, defined in harness/model/exit_rules/<sym>.c
 * (exit_rules.h holds the contract). The order is the kinds' numbering and the sweep grid's
 * order, so the point indices of result files follow it: add a rule at the end.
 * No include guard: included once per expansion of BEEX_EXIT_RULE. */
BEEX_EXIT_RULE(DELTA, delta)       /* entropy ratio, the paper's rule */
BEEX_EXIT_RULE(ENTROPY, entropy)   /* absolute entropy (DeeBERT) */
BEEX_EXIT_RULE(PATIENCE, patience) /* unchanged prediction (PABEE) */
BEEX_EXIT_RULE(STATIC, static)     /* fixed depth: the reference of every comparison */
BEEX_EXIT_RULE(MAXPROB, maxprob)   /* softmax confidence (DeeBERT's variant, CALM) */
