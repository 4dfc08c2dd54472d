/** Errors of the remote runtime. Each names the node, and for a command, the command. */
import {errorMessage, UserError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'

export type RemoteFailureKind =
  'unreachable' | 'auth' | 'host-key' | 'timeout' | 'sudo' | 'command' | 'aborted' | 'transfer'

export class RemoteError extends UserError {
  readonly node: string
  readonly kind: RemoteFailureKind
  /** The message without the node name in front, for reports that show the node in a column of its own. */
  readonly detail: string

  constructor(node: string, kind: RemoteFailureKind, message: string, next: string | string[], cause?: unknown) {
    const exitCode =
      kind === 'unreachable' || kind === 'auth' || kind === 'host-key' ? ExitCode.Unreachable : ExitCode.Failure
    super(`${node}: ${message}`, {next, exitCode, cause})
    this.name = 'RemoteError'
    this.node = node
    this.kind = kind
    this.detail = message
  }
}

/** What went wrong on a node, without repeating the node's name. */
export function remoteDetail(error: unknown): string {
  return error instanceof RemoteError ? error.detail : errorMessage(error)
}

export class CommandFailedError extends RemoteError {
  readonly exitCode_: number | null
  readonly stderr: string

  constructor(node: string, command: string, exitCode: number | null, stderr: string) {
    const tail = stderr.trim().split('\n').slice(-5).join('\n')
    super(
      node,
      'command',
      `\`${command}\` exited with ${exitCode === null ? 'a signal' : exitCode}${tail ? `:\n${tail}` : ''}`,
      `Run it by hand on ${node} to see more: 3fs-cli exec --nodes ${node} -- <command>`,
    )
    this.name = 'CommandFailedError'
    this.exitCode_ = exitCode
    this.stderr = stderr
  }
}
