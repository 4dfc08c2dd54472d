/**
 * What a bench plan needs to know of a node: its cores and the memory the worker may use. One probe
 * script and one parser, used by openTarget (before a run) and by `graysort run --plan -c` (instead of
 * planning a cluster with this machine's figures).
 */
import {availableParallelism, totalmem} from 'node:os'

import type {Cluster} from '../config/model.js'
import {fanOut, valuesOrThrow} from '../remote/fanout.js'

/** Prints two lines: the core count, and MemAvailable in bytes. */
// printf, not print: awk prints a number above 2^31 with %.6g (rounded to six digits).
export const RESOURCES_PROBE = 'nproc; awk \'/MemAvailable/ {printf "%.0f\\n", $2 * 1024}\' /proc/meminfo'

/** Share of a node's available memory the worker may use by default. */
export const DEFAULT_MEMORY_SHARE = 0.6

export interface NodeResources {
  name: string
  cores: number
  /** Memory the worker may use (the share of MemAvailable). */
  memoryBytes: number
}

/** Parses the first two lines of RESOURCES_PROBE's output. */
export function parseResources(name: string, lines: string[], share = DEFAULT_MEMORY_SHARE): NodeResources {
  return {name, cores: Math.max(1, Number(lines[0])), memoryBytes: Math.floor(Number(lines[1]) * share)}
}

export interface PlanResources {
  /** Cores of the smallest node: every node runs the same plan. */
  cores: number
  /** Memory of the smallest node. */
  memoryBytes: number
  /** Where the figures came from: this machine, or the probed nodes. */
  from: string[]
}

/**
 * The figures a plan uses: this machine's without a cluster (60% of its total memory), else the probed
 * nodes' smallest. Probing runs one read-only command per node and changes nothing.
 */
export async function planResources(options: {
  cluster?: Cluster
  nodes?: string[]
  signal?: AbortSignal
}): Promise<PlanResources> {
  if (!options.cluster)
    return {cores: availableParallelism(), memoryBytes: Math.floor(totalmem() * DEFAULT_MEMORY_SHARE), from: ['local']}
  const cluster = options.cluster
  const [{selectNodes}, {HostPool}] = await Promise.all([import('../config/select.js'), import('../remote/pool.js')])
  const chosen =
    options.nodes !== undefined
      ? selectNodes(cluster, {nodes: options.nodes})
      : selectNodes(cluster, {service: 'client'})
  const pool = new HostPool({ssh: cluster.ssh})
  try {
    const outcomes = await fanOut(
      chosen,
      async (node, signal) => {
        const probe = await pool.get(node).run(RESOURCES_PROBE, {signal, check: true})
        return parseResources(node.name, probe.stdout.trim().split('\n'))
      },
      {concurrency: cluster.ssh.concurrency, failFast: true, signal: options.signal},
    )
    const nodes = valuesOrThrow(outcomes)
    return {
      cores: Math.min(...nodes.map((node) => node.cores)),
      memoryBytes: Math.min(...nodes.map((node) => node.memoryBytes)),
      from: nodes.map((node) => node.name),
    }
  } finally {
    await pool.closeAll()
  }
}
