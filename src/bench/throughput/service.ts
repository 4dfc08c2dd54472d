/**
 * `bench throughput`: the same fio-like workload on every node at one agreed instant, through the
 * native worker's engine (usrbio on a 3FS mount, else io_uring, else psync), with per-node results and
 * an aggregate taken over the window in which every node was running.
 */
import {posix} from 'node:path'

import {UsageError} from '../../errors.js'
import {fanOut, valuesOrThrow} from '../../remote/fanout.js'
import {checkUsrbioLibraries} from '../library-check.js'
import type {BenchTarget} from '../target.js'
import {runWorker, type WorkerProgress} from '../worker.js'
import {throughputArgv, type WorkerResult} from '../worker-protocol.js'
import {mergeHistograms, percentileUs, type SparseHistogram} from './latency.js'

export const PATTERNS = ['read', 'write', 'randread', 'randwrite'] as const
export type Pattern = (typeof PATTERNS)[number]
export const ENGINES = ['auto', 'usrbio', 'io_uring', 'psync'] as const
export type EngineChoice = (typeof ENGINES)[number]

export interface ThroughputOptions {
  rw: Pattern
  blockSize: number
  iodepth: number
  jobs: number
  /** Bytes per job file. */
  size: number
  /** 0: size-based. */
  runtimeMs: number
  direct: boolean
  engine: EngineChoice
  usrbioLibrary?: string
  /** The 3FS mount point (for usrbio); default: the cluster's hostMountpoint. */
  mountPoint?: string
  keep: boolean
  signal?: AbortSignal
}

export interface Latency {
  p50: number
  p99: number
  p999: number
  mean: number
}

export interface NodeThroughput {
  node: string
  engine: string
  engineNote?: string
  bytes: number
  ios: number
  seconds: number
  bandwidthMiBps: number
  iops: number
  latencyUs: Latency
  startEpochMs: number
  endEpochMs: number
  bytesPerSecond: number[]
  /** Sparse [bucket, count] latency histogram, merged exactly for the aggregate. */
  latencyHistogram: SparseHistogram
}

export interface ThroughputReport {
  engine: string
  workload: {
    rw: Pattern
    blockSize: number
    iodepth: number
    jobs: number
    size: number
    runtimeMs: number
    direct: boolean
  }
  aggregate: {
    bandwidthMiBps: number
    iops: number
    latencyUs: Latency
    /** Seconds in which every node was running, over which bandwidth and IOPS are summed. */
    windowSeconds: number
    /** Sum of the nodes' own bandwidths, for comparison with the windowed aggregate. */
    sumOfNodesMiBps: number
  }
  nodes: NodeThroughput[]
  dir: string
}

const MiB = 2 ** 20

export async function runThroughput(
  target: BenchTarget,
  options: ThroughputOptions,
  onProgress?: (progress: WorkerProgress) => void,
): Promise<ThroughputReport> {
  if (options.direct && options.blockSize % 4096 !== 0)
    throw new UsageError(`--bs ${options.blockSize} is not a multiple of 4096, which direct I/O needs`, {
      next: 'Use --bs 4KiB, 1MiB, ... or drop --direct.',
    })
  if (options.size < options.blockSize)
    throw new UsageError(`--size (${options.size} bytes) is smaller than one block (--bs ${options.blockSize} bytes)`, {
      next: 'Give a --size of at least one --bs.',
    })
  const dirOf = (name: string) => (target.local ? target.dir : posix.join(target.dir, name))
  const argsFor = (dir: string, step: {layoutOnly: true} | {startAt: number}) =>
    throughputArgv({
      dir,
      rw: options.rw,
      blockSize: options.blockSize,
      iodepth: options.iodepth,
      jobs: options.jobs,
      size: options.size,
      runtimeMs: options.runtimeMs,
      direct: options.direct,
      engine: options.engine,
      keep: options.keep,
      mountPoint: options.mountPoint,
      usrbioLibrary: options.usrbioLibrary,
      ...step,
    })
  await checkUsrbioLibraries(target, {
    engine: options.engine,
    usrbioLibrary: options.usrbioLibrary,
    signal: options.signal,
  })
  // First every node lays its files out, so that the timed run starts on all nodes at one instant
  // instead of whenever each node's layout ends.
  valuesOrThrow(
    await fanOut(
      target.nodes,
      async (node, signal) => {
        await node.host.run(['mkdir', '-p', dirOf(node.name)], {check: true, signal})
        await runWorker({
          host: node.host,
          binary: node.worker,
          phase: 'layout',
          signal,
          result: 'any',
          args: argsFor(dirOf(node.name), {layoutOnly: true}),
        })
      },
      {concurrency: target.nodes.length, failFast: true, signal: options.signal},
    ),
  )
  // Start a little after every worker has been launched, so that the nodes begin together.
  const startAt = Date.now() + (target.local ? 200 : 500 + 10 * target.nodes.length)
  const outcomes = await fanOut(
    target.nodes,
    async (node, signal) => {
      const dir = dirOf(node.name)
      const {result} = await runWorker({
        host: node.host,
        binary: node.worker,
        phase: 'throughput',
        signal,
        onProgress,
        result: 'throughput',
        args: argsFor(dir, {startAt}),
      })
      if (!options.keep && !target.local) await node.host.run(['rmdir', '--', dir]).catch(() => undefined)
      return toNode(node.name, result)
    },
    {concurrency: target.nodes.length, failFast: true, signal: options.signal},
  )
  const nodes = valuesOrThrow(outcomes)
  return {
    engine: [...new Set(nodes.map((node) => node.engine))].join(','),
    workload: {
      rw: options.rw,
      blockSize: options.blockSize,
      iodepth: options.iodepth,
      jobs: options.jobs,
      size: options.size,
      runtimeMs: options.runtimeMs,
      direct: options.direct,
    },
    aggregate: aggregate(nodes, options.blockSize),
    nodes,
    dir: target.dir,
  }
}

function toNode(name: string, result: WorkerResult<'throughput'>): NodeThroughput {
  const {bytes, seconds, ios} = result
  return {
    node: name,
    engine: result.engine,
    engineNote: result.engineNote || undefined,
    bytes,
    ios,
    seconds,
    bandwidthMiBps: seconds > 0 ? bytes / MiB / seconds : 0,
    iops: seconds > 0 ? ios / seconds : 0,
    latencyUs: {
      p50: result.latencyP50Us,
      p99: result.latencyP99Us,
      p999: result.latencyP999Us,
      mean: result.latencyMeanUs,
    },
    startEpochMs: result.startEpochMs,
    endEpochMs: result.endEpochMs,
    bytesPerSecond: result.bytesPerSecond,
    latencyHistogram: result.latencyHistogram,
  }
}

/**
 * Sums the nodes over the whole seconds in which all of them were running (nodes start at one agreed
 * instant; a node that started late or ended early shrinks the window instead of inflating the sum).
 * Falls back to the plain sum when no whole second is shared (very short size-based runs).
 */
export function aggregate(nodes: NodeThroughput[], blockSize: number): ThroughputReport['aggregate'] {
  const sumOfNodesMiBps = nodes.reduce((sum, node) => sum + node.bandwidthMiBps, 0)
  // Percentiles of all I/Os of all nodes, from the merged histograms (not an average of percentiles).
  const merged = mergeHistograms(nodes.map((node) => node.latencyHistogram))
  const latencyUs = {
    p50: percentileUs(merged, 0.5),
    p99: percentileUs(merged, 0.99),
    p999: percentileUs(merged, 0.999),
    mean:
      nodes.reduce((sum, node) => sum + node.latencyUs.mean * node.ios, 0) /
      Math.max(
        1,
        nodes.reduce((sum, node) => sum + node.ios, 0),
      ),
  }
  if (nodes.length === 1) {
    const [node] = nodes as [NodeThroughput]
    return {
      bandwidthMiBps: node.bandwidthMiBps,
      iops: node.iops,
      latencyUs,
      windowSeconds: node.seconds,
      sumOfNodesMiBps,
    }
  }
  const windowStart = Math.max(...nodes.map((node) => node.startEpochMs))
  const windowEnd = Math.min(...nodes.map((node) => node.startEpochMs + 1000 * Math.floor(node.seconds)))
  const windowSeconds = Math.floor((windowEnd - windowStart) / 1000)
  if (windowSeconds < 1) {
    const iops = nodes.reduce((sum, node) => sum + node.iops, 0)
    return {bandwidthMiBps: sumOfNodesMiBps, iops, latencyUs, windowSeconds: 0, sumOfNodesMiBps}
  }
  let bytes = 0
  for (const node of nodes) {
    // Node seconds are counted from its own start; shift to the common window.
    const offset = Math.round((windowStart - node.startEpochMs) / 1000)
    for (let second = 0; second < windowSeconds; second++) bytes += node.bytesPerSecond[offset + second] ?? 0
  }
  const bandwidthMiBps = bytes / MiB / windowSeconds
  return {bandwidthMiBps, iops: bytes / blockSize / windowSeconds, latencyUs, windowSeconds, sumOfNodesMiBps}
}
