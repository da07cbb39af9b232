/*
** main.c -- the pleat command: picks the subcommand, and makes sure a
** closed or broken standard output is an error with a message, never a
** silent success or a death by SIGPIPE.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* A closed descriptor 0, 1 or 2 would be handed to the first file we open,
   and results could end up written into an input.  /dev/null opened
   read-only fills the slot: writes to a closed stdout still fail (EBADF),
   which the final check reports. */
static void guard_std_fds(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    int nfd = open("/dev/null", O_RDONLY);
    if (nfd >= 0 && nfd != fd) close(nfd); /* a lower slot was free: odd */
  }
}

/* Everything printed must have reached stdout: a full disk, a closed
   stdout or a reader that went away (EPIPE; SIGPIPE is ignored) is exit
   status 1 with a message, however well the pipeline ran. */
static int finish_stdout(int rc) {
  errno = 0;
  bool bad = fflush(stdout) != 0 || ferror(stdout);
  int e = errno;
  if (!bad) return rc;
  if (e == EPIPE) cli_error("standard output was closed by its reader (broken pipe)");
  else if (e) cli_error("cannot write to standard output: %s", strerror(e));
  else cli_error("cannot write to standard output");
  return rc ? rc : CLI_EXIT_INPUT;
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    cli_error("no command given");
    cli_print_help(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    cli_print_help(stdout);
    return CLI_OK;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("pleat %s\n", pleat_version_string());
    return CLI_OK;
  }
  cli_command c;
  if (!strcmp(cmd, "run")) c = CLI_RUN;
  else if (!strcmp(cmd, "explain")) c = CLI_EXPLAIN;
  else if (!strcmp(cmd, "info")) c = CLI_INFO;
  else if (!strcmp(cmd, "bench")) c = CLI_BENCH;
  else if (cmd[0] == '-') return cli_usage_error("unknown option '%s'", cmd);
  else return cli_usage_error("unknown command '%s' (run, explain, info, bench)", cmd);

  /* cli_opts holds 64 sources: too big for comfort on the stack */
  static cli_opts o;
  int rc = cli_parse_args(c, argc - 2, argv + 2, &o);
  if (rc == -1) {
    cli_print_help(stdout);
    return CLI_OK;
  }
  if (rc) return rc;
  switch (c) {
    case CLI_RUN: return cli_cmd_run(&o);
    case CLI_EXPLAIN: return cli_cmd_explain(&o);
    case CLI_INFO: return cli_cmd_info(&o);
    case CLI_BENCH: return cli_cmd_bench(&o);
  }
  return CLI_EXIT_USAGE;
}

int main(int argc, char **argv) {
  guard_std_fds();
  signal(SIGPIPE, SIG_IGN);
  return finish_stdout(dispatch(argc, argv));
}
