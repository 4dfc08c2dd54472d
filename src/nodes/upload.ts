/** `upload`: copy a local file or directory to the same path on many nodes, skipping nodes that have it. */
import {stat} from 'node:fs/promises'
import {posix} from 'node:path'

import type {Cluster} from '../config/model.js'
import {selectNodes, type NodeSelection} from '../config/select.js'
import {errorMessage, UsageError} from '../errors.js'
import {RemoteError} from '../remote/errors.js'
import {fanOut} from '../remote/fanout.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'

export interface UploadToNodesOptions extends NodeSelection {
  cluster: Cluster
  source: string
  target: string
  sudo: boolean
  mode?: string
  concurrency?: number
  signal?: AbortSignal
  pool: Partial<PoolOptions>
}

export interface NodeUploadResult {
  node: string
  ok: boolean
  /** Where the content is on the node: the target, or target/<name> when the target is a directory. */
  path?: string
  skipped: boolean
  /** Content already identical, only the mode was set. */
  modeChanged?: boolean
  sha256?: string
  bytes?: number
  durationMs: number
  error?: {kind: string; message: string; next: string[]}
}

export interface UploadReport {
  source: string
  target: string
  nodes: NodeUploadResult[]
  summary: {total: number; sent: number; skipped: number; failed: number; unreachable: number}
}

/**
 * The target as the nodes will see it, checked before anything is sent: absolute, no control characters
 * (a newline would split the remote script), `.`/`..`/`//` resolved, and never `/` itself.
 */
export function checkUploadTarget(target: string): string {
  const next = 'Give the path on the nodes, starting with /, e.g. /opt/3fs/etc/app.conf or an existing directory.'
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\x00-\x1f\x7f]/.test(target))
    throw new UsageError(`target ${JSON.stringify(target)} contains a control character (newline, tab, NUL)`, {next})
  if (!target.startsWith('/')) throw new UsageError(`target ${target} is not an absolute path`, {next})
  const normalized = posix.normalize(target)
  if (normalized === '/')
    throw new UsageError(`target ${target} is the root directory`, {
      next: 'Name a file or a directory below /, e.g. /opt/3fs/etc/.',
    })
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized
}

export async function uploadToNodes(options: UploadToNodesOptions): Promise<UploadReport> {
  let info
  try {
    info = await stat(options.source)
  } catch {
    throw new UsageError(`${options.source} does not exist on this machine`, {
      next: 'Give an existing local file or directory.',
    })
  }
  // A FIFO or device (/dev/zero) would be read forever: only what has an end is sent.
  if (!info.isFile() && !info.isDirectory())
    throw new UsageError(`${options.source} is not a regular file or directory (a FIFO, socket or device)`, {
      next: 'Upload a regular file or a directory.',
    })
  const target = checkUploadTarget(options.target)
  const nodes = selectNodes(options.cluster, options)
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    const outcomes = await fanOut(
      nodes,
      (node, signal) =>
        pool
          .get(node)
          .upload(options.source, target, {sudo: options.sudo, mode: options.mode, signal, intoDirectory: true}),
      {
        concurrency: options.concurrency ?? options.cluster.ssh.concurrency,
        signal: options.signal,
      },
    )
    const results = outcomes.map((outcome): NodeUploadResult => {
      const durationMs = Math.round(outcome.durationMs)
      if (outcome.ok)
        return {
          node: outcome.node,
          ok: true,
          path: outcome.value.remotePath,
          skipped: outcome.value.skipped,
          ...(outcome.value.modeChanged ? {modeChanged: true} : {}),
          sha256: outcome.value.sha256,
          bytes: outcome.value.bytes,
          durationMs,
        }
      const error = outcome.error
      return {
        node: outcome.node,
        ok: false,
        skipped: false,
        durationMs,
        error: {
          kind: error instanceof RemoteError ? error.kind : 'unknown',
          message: errorMessage(error),
          next: error instanceof RemoteError ? error.next : [],
        },
      }
    })
    return {
      source: options.source,
      target,
      nodes: results,
      summary: {
        total: results.length,
        sent: results.filter((result) => result.ok && !result.skipped).length,
        skipped: results.filter((result) => result.skipped).length,
        failed: results.filter((result) => !result.ok).length,
        unreachable: results.filter((result) => ['unreachable', 'auth', 'host-key'].includes(result.error?.kind ?? ''))
          .length,
      },
    }
  } finally {
    await pool.closeAll()
  }
}
