/** `exec`: run one command on many nodes and collect every node's outcome. */
import type {Cluster} from '../config/model.js'
import {selectNodes, type NodeSelection} from '../config/select.js'
import {errorMessage} from '../errors.js'
import {RemoteError} from '../remote/errors.js'
import {JumpError} from '../remote/ssh-host.js'
import {fanOut} from '../remote/fanout.js'
import type {RunResult} from '../remote/host.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'

export interface ExecOptions extends NodeSelection {
  cluster: Cluster
  /** Words joined by spaces and run by the node's shell, as ssh does. */
  command: string[]
  sudo: boolean
  timeoutMs?: number
  concurrency?: number
  failFast: boolean
  signal?: AbortSignal
  pool: Partial<PoolOptions>
  /** Stdin sent to the command on every node. */
  stdin?: string
}

export interface NodeExecResult {
  node: string
  host: string
  ok: boolean
  exitCode: number | null
  stdout: string
  stderr: string
  durationMs: number
  timedOut: boolean
  /** Set when the command could not run (unreachable, auth, host key, sudo, cancelled). */
  error?: {kind: string; message: string; next: string[]; hop?: string}
}

export interface ExecReport {
  command: string
  nodes: NodeExecResult[]
  summary: {total: number; succeeded: number; failed: number; unreachable: number; timedOut: number}
}

export async function execOnNodes(options: ExecOptions): Promise<ExecReport> {
  const nodes = selectNodes(options.cluster, options)
  const command = options.command.join(' ')
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    const outcomes = await fanOut(
      nodes,
      async (node, signal) => {
        const result = await pool
          .get(node)
          .run(command, {sudo: options.sudo, timeoutMs: options.timeoutMs, signal, stdin: options.stdin})
        if (options.failFast && result.exitCode !== 0)
          throw Object.assign(new Error(`exit ${result.exitCode}`), {result})
        return result
      },
      {
        concurrency: options.concurrency ?? options.cluster.ssh.concurrency,
        failFast: options.failFast,
        signal: options.signal,
      },
    )
    const results = outcomes.map((outcome, index): NodeExecResult => {
      const node = nodes[index]!
      const base = {node: node.name, host: node.host, durationMs: Math.round(outcome.durationMs)}
      // With failFast a non-zero exit is thrown to cancel the others, but it still carries the node's output.
      const result = outcome.ok ? outcome.value : (outcome.error as {result?: RunResult}).result
      if (result) {
        return {
          ...base,
          ok: result.exitCode === 0,
          exitCode: result.exitCode,
          stdout: result.stdout,
          stderr: result.stderr,
          timedOut: result.timedOut,
          ...(result.aborted ? {error: {kind: 'aborted', message: 'cancelled', next: []}} : {}),
        }
      }
      const error = outcome.ok ? undefined : outcome.error
      const kind =
        error instanceof RemoteError ? error.kind : outcome.ok ? 'unknown' : outcome.cancelled ? 'aborted' : 'unknown'
      const next = error instanceof RemoteError ? error.next : []
      return {
        ...base,
        ok: false,
        exitCode: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        // hop: the bastion that failed, when the node is behind one.
        error: {kind, message: errorMessage(error), next, ...(error instanceof JumpError ? {hop: error.hop} : {})},
      }
    })
    return {
      command,
      nodes: results,
      summary: {
        total: results.length,
        succeeded: results.filter((result) => result.ok).length,
        failed: results.filter((result) => !result.ok).length,
        unreachable: results.filter((result) => ['unreachable', 'auth', 'host-key'].includes(result.error?.kind ?? ''))
          .length,
        timedOut: results.filter((result) => result.timedOut).length,
      },
    }
  } finally {
    await pool.closeAll()
  }
}
