/* Option parsing shared by the subcommands: long options only, clear errors. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int pl_cli_parse(const char *cmd, int argc, char **argv, pl_opt *opts, const char **positional,
                 int max_positional, int *npositional, const char *usage) {
  *npositional = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return -2;
    }
    if (a[0] == '-' && a[1]) {
      pl_opt *o = opts;
      for (; o && o->name; o++)
        if (!strcmp(o->name, a)) break;
      if (!o || !o->name) {
        fprintf(stderr, "parley %s: unknown option %s (see parley %s --help)\n", cmd, a, cmd);
        return -1;
      }
      if (o->value) {
        if (i + 1 >= argc) {
          fprintf(stderr, "parley %s: option %s needs a value (see parley %s --help)\n", cmd, a,
                  cmd);
          return -1;
        }
        *o->value = argv[++i];
      } else
        *o->flag = 1;
      continue;
    }
    if (*npositional >= max_positional) {
      fprintf(stderr, "parley %s: unexpected argument \"%s\" (see parley %s --help)\n", cmd, a,
              cmd);
      return -1;
    }
    positional[(*npositional)++] = a;
  }
  return 0;
}
