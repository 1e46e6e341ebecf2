/* The parley subcommands (main.c dispatches; each lives in its own file). Each returns
 * the process exit code: 0 ok, 1 the work failed, 2 usage error. */
#ifndef PL_CLI_H
#define PL_CLI_H

#define PL_EXIT_OK 0
#define PL_EXIT_FAIL 1
#define PL_EXIT_USAGE 2

int pl_cmd_chat(int argc, char **argv);
int pl_cmd_test(int argc, char **argv);
int pl_cmd_serve(int argc, char **argv);
int pl_cmd_check(int argc, char **argv);
int pl_cmd_history(int argc, char **argv);
int pl_cmd_operator(int argc, char **argv);
int pl_cmd_outbox(int argc, char **argv);

/* Shared option parsing: returns the index of the next argument, or -1 after printing a
 * usage error. `spec` lists options taking a value ("--data --user") and flags. */
typedef struct pl_opt {
  const char *name;
  const char **value; /* NULL for a flag */
  int *flag;
} pl_opt;
int pl_cli_parse(const char *cmd, int argc, char **argv, pl_opt *opts, const char **positional,
                 int max_positional, int *npositional, const char *usage);

#endif
