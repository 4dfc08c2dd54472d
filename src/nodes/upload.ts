/** `upload`: copy a local file or directory to the same path on many nodes, skipping nodes that have it. */
import {stat} from 'node:fs/promises'

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

export async function uploadToNodes(options: UploadToNodesOptions): Promise<UploadReport> {
  try {
    await stat(options.source)
  } catch {
    throw new UsageError(`${options.source} does not exist on this machine`, {next: 'Give an existing local file or directory.'})
  }
  if (!options.target.startsWith('/')) throw new UsageError(`target ${options.target} is not an absolute path`, {next: 'Give the path on the nodes, starting with /.'})
  const nodes = selectNodes(options.cluster, options)
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    const outcomes = await fanOut(nodes, (node, signal) => pool.get(node).upload(options.source, options.target, {sudo: options.sudo, mode: options.mode, signal}), {
      concurrency: options.concurrency ?? options.cluster.ssh.concurrency,
      signal: options.signal,
    })
    const results = outcomes.map((outcome): NodeUploadResult => {
      const durationMs = Math.round(outcome.durationMs)
      if (outcome.ok) return {node: outcome.node, ok: true, skipped: outcome.value.skipped, ...(outcome.value.modeChanged ? {modeChanged: true} : {}), sha256: outcome.value.sha256, bytes: outcome.value.bytes, durationMs}
      const error = outcome.error
      return {
        node: outcome.node,
        ok: false,
        skipped: false,
        durationMs,
        error: {kind: error instanceof RemoteError ? error.kind : 'unknown', message: errorMessage(error), next: error instanceof RemoteError ? error.next : []},
      }
    })
    return {
      source: options.source,
      target: options.target,
      nodes: results,
      summary: {
        total: results.length,
        sent: results.filter((result) => result.ok && !result.skipped).length,
        skipped: results.filter((result) => result.skipped).length,
        failed: results.filter((result) => !result.ok).length,
        unreachable: results.filter((result) => ['unreachable', 'auth', 'host-key'].includes(result.error?.kind ?? '')).length,
      },
    }
  } finally {
    await pool.closeAll()
  }
}
