/**
 * The one place admin_cli command lines are built, for deploy's actions and status's probes. admin_cli runs
 * inside the mgmtd container (it needs the cluster's RDMA network) from the image's bin directory with a config
 * from its etc directory (3FS ee9a5ce deploy/README.md:118 and :146: `/opt/3fs/bin/admin_cli -cfg
 * /opt/3fs/etc/admin_cli.toml "<command>"`). It joins every argument after its flags with spaces into one
 * command line (src/client/bin/admin_cli.cc:209), so a command may be one argument or several.
 */
import {IMAGE_BIN_DIR, IMAGE_ETC_DIR} from './services.js'

export const ADMIN_CLI_BINARY = `${IMAGE_BIN_DIR}/admin_cli`
/** The config without a token (reads), and the one with the root token deploy writes (0600) for writes. */
export const ADMIN_CLI_CONFIG = `${IMAGE_ETC_DIR}/admin_cli.toml`
export const ADMIN_CLI_ROOT_CONFIG = `${IMAGE_ETC_DIR}/admin_cli_root.toml`

export interface AdminCliOptions {
  /** Use the config holding the root token. */
  root?: boolean
  /** Keep stdin open (`exec -i`): admin_cli then reads one command per line. */
  stdin?: boolean
}

/** admin_cli and its config, as they are called inside a container (or a throwaway one, for init-cluster). */
export function adminCliInvocation(options: Pick<AdminCliOptions, 'root'> = {}): string[] {
  return [ADMIN_CLI_BINARY, '-cfg', options.root ? ADMIN_CLI_ROOT_CONFIG : ADMIN_CLI_CONFIG]
}

/** `<runtime> exec` of admin_cli in the mgmtd container, before the command itself. */
export function adminCliExecArgv(runtime: string, mgmtdContainer: string, options: AdminCliOptions = {}): string[] {
  return [runtime, 'exec', ...(options.stdin ? ['-i'] : []), mgmtdContainer, ...adminCliInvocation(options)]
}

/** argv that runs one admin_cli command, given as its words, inside the mgmtd container (status's probes). */
export function adminCliArgv(runtime: string, mgmtdContainer: string, command: string[]): string[] {
  return [...adminCliExecArgv(runtime, mgmtdContainer), '--', ...command]
}
