/** Exit codes of every command; documented in each command's help. Scripts depend on them. */
export enum ExitCode {
  Ok = 0,
  /** A command failed on a node, a benchmark failed its checks, an operation did not complete. */
  Failure = 1,
  /** Bad flags or an invalid cluster.yml; nothing was changed on any node. */
  Usage = 2,
  /** status: the cluster works but is degraded. */
  Degraded = 3,
  /** status: the cluster is down. */
  Down = 4,
  /** One or more nodes could not be reached over SSH (connection, authentication or host key). */
  Unreachable = 5,
  /** Interrupted (Ctrl-C, SIGINT). */
  Interrupted = 130,
  /** Stopped by SIGHUP (the terminal went away): 128 + 1. */
  Hangup = 129,
  /** Stopped by SIGTERM: 128 + 15. */
  Terminated = 143,
}

export const EXIT_CODE_HELP = [
  '0    success',
  '1    failure: a command failed on a node or an operation did not complete',
  '2    bad usage or invalid cluster.yml (nothing was changed)',
  '3    status: degraded',
  '4    status: down',
  '5    a node could not be reached (SSH connection, authentication or host key)',
  "130  interrupted (Ctrl-C); 143 on SIGTERM, 129 on SIGHUP. Remote work is stopped and the run's files removed first",
].join('\n')
