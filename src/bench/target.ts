/**
 * Where a benchmark runs: this machine alone (no cluster.yml), or the chosen nodes of a cluster, each
 * with its Host, worker binary, cores and memory, plus one directory that every node sees (the 3FS mount).
 */
import {mkdtemp} from 'node:fs/promises'
import {availableParallelism, freemem, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import type {Cluster} from '../config/model.js'
import {fanOut, valuesOrThrow} from '../remote/fanout.js'
import type {Host} from '../remote/host.js'
import {LocalHost} from '../remote/local-host.js'
import {RemoteError} from '../remote/errors.js'
import {ensureWorker} from './worker.js'

export interface BenchNode {
  name: string
  host: Host
  worker: string
  cores: number
  /** Memory available for the worker on this node. */
  memoryBytes: number
}

export interface BenchTarget {
  nodes: BenchNode[]
  /** Shared directory for this run's files. */
  dir: string
  /** True when the directory was made for this run (and may be removed at the end). */
  dirIsTemporary: boolean
  local: boolean
  /** The 3FS mount point on the nodes (cluster runs): usrbio needs the mount point itself. */
  mountPoint?: string
  close(): Promise<void>
}

export interface TargetOptions {
  cluster?: Cluster
  nodes?: string[]
  /** Directory to use; default: a new temp dir locally, <mount>/graysort/<run id> on a cluster. */
  dir?: string
  /** Subdirectory name under the mount for cluster runs. */
  purpose: string
  /** Share of a node's available memory the worker may use. */
  memoryShare?: number
  signal?: AbortSignal
}

export async function openTarget(options: TargetOptions): Promise<BenchTarget> {
  const share = options.memoryShare ?? 0.6
  if (!options.cluster) {
    const host = new LocalHost({name: 'local', commandTimeoutMs: 24 * 3600 * 1000})
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), `3fs-cli-${options.purpose}-`)))
    return {
      nodes: [{name: 'local', host, worker: await ensureWorker(host), cores: availableParallelism(), memoryBytes: Math.floor(Math.min(freemem(), totalmem()) * share)}],
      dir,
      dirIsTemporary: options.dir === undefined,
      local: true,
      close: () => host.close(),
    }
  }
  const cluster = options.cluster
  // SSH and the schema are loaded only for cluster runs: a local run starts faster without them.
  const [{selectNodes}, {HostPool}] = await Promise.all([import('../config/select.js'), import('../remote/pool.js')])
  const chosen = options.nodes?.length ? selectNodes(cluster, {nodes: options.nodes}) : selectNodes(cluster, {service: 'client'})
  const pool = new HostPool({ssh: cluster.ssh})
  const mount = cluster.config.services.client?.hostMountpoint ?? '/3fs'
  const runId = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')
  const dir = options.dir ?? `${mount}/${options.purpose}/run-${runId}`
  try {
    const outcomes = await fanOut(
      chosen,
      async (node, signal) => {
        const host = pool.get(node)
        const probe = await host.run(`nproc; awk '/MemAvailable/ {print $2 * 1024}' /proc/meminfo; mkdir -p ${JSON.stringify(dir)} && echo dir-ok`, {signal, check: true})
        const [cores, memory, dirOk] = probe.stdout.trim().split('\n')
        if (dirOk !== 'dir-ok') throw new RemoteError(node.name, 'command', `cannot create ${dir}`, 'Check that the 3FS mount is there and writable.')
        return {name: node.name, host, worker: await ensureWorker(host, signal), cores: Math.max(1, Number(cores)), memoryBytes: Math.floor(Number(memory) * share)}
      },
      {concurrency: cluster.ssh.concurrency, failFast: true, signal: options.signal},
    )
    return {
      nodes: valuesOrThrow(outcomes),
      dir,
      dirIsTemporary: options.dir === undefined,
      local: false,
      mountPoint: mount,
      close: () => pool.closeAll(),
    }
  } catch (error) {
    await pool.closeAll()
    throw error
  }
}
