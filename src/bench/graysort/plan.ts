/**
 * How a GraySort run is cut up: records per node, partition count, memory per worker, files. Pure
 * arithmetic, so that plans for 1 GiB on one machine and 110 TiB on 50 nodes can be printed and tested
 * without a cluster.
 */
import {UsageError} from '../../errors.js'

export const RECORD_BYTES = 100
/** Partition files are named part-NNNNN; beyond this the plan asks for fewer, larger partitions. */
export const MAX_PARTITIONS = 1_000_000

export interface PlanInput {
  records: number
  nodes: number
  /** Cores per node (worker threads). */
  cores: number
  /** Memory one node's worker may use. */
  memoryBytes: number
  /** Override the partition count. */
  partitions?: number
  /** Where map output goes between the passes (default auto: memory when one node holds it twice over). */
  shuffle?: ShuffleChoice
}

export const SHUFFLE_CHOICES = ['auto', 'memory', 'files'] as const
export type ShuffleChoice = (typeof SHUFFLE_CHOICES)[number]

export interface GraysortPlan {
  records: number
  bytes: number
  nodes: number
  threadsPerNode: number
  memoryPerNodeBytes: number
  /** Input records generated and mapped by each node (the last node may have a few more). */
  recordsPerNode: number
  partitions: number
  partitionsPerNode: number
  /** Expected size of one partition (the reducer holds three of them: two being read, one sorted). */
  partitionBytes: number
  /** Map runs per node: how many memory-sized batches each node's input is cut into. */
  mapRunsPerNode: number
  mapRunBytes: number
  /**
   * files: map runs are written to the shared filesystem and read back by the reducers (any size, any
   * node count). memory: one node whose data fits twice in its memory keeps them in memory, which
   * saves writing and reading the data set once more. auto (one node, data fits): in memory unless the node
   * is a VM that gives freed memory back to its host, where new memory costs more than the files' I/O
   * (native/src/core/sort_node.h decideShuffle); the result says which ran.
   */
  shuffle: 'memory' | 'files' | 'auto'
  /** Files the run creates on the shared filesystem. */
  files: {input: number; map: number; output: number}
  /** Node i's input records and output partition range. */
  assignments: Array<{node: number; firstRecord: number; records: number; firstPartition: number; endPartition: number}>
  warnings: string[]
}

export function planGraysort(input: PlanInput): GraysortPlan {
  const {records, nodes, cores} = input
  if (!Number.isSafeInteger(records) || records < 1)
    throw new UsageError(`the run needs at least one record (got ${records})`, {next: 'Pass --size or --records.'})
  if (nodes < 1)
    throw new UsageError('the run needs at least one node', {
      next: 'Give nodes with --nodes or a cluster.yml with client nodes.',
    })
  const bytes = records * RECORD_BYTES
  const perNodeBytes = Math.ceil(records / nodes) * RECORD_BYTES
  const memory = Math.max(64 * 2 ** 20, input.memoryBytes)
  // The reducer holds three partitions (double-buffered input, sorted output): one partition may use a
  // quarter of the memory, and never more than 4 GiB so that reads and sorts overlap in steps.
  const maxPartitionBytes = Math.min(4 * 2 ** 30, Math.floor(memory / 4))
  let partitions =
    input.partitions ?? Math.max(nodes * 16, Math.ceil(bytes / Math.max(maxPartitionBytes / 2, RECORD_BYTES)))
  // At least 16 partitions per node, so that reading, sorting and writing overlap from one partition to
  // the next. Every node reduces the same number of partitions.
  if (input.partitions === undefined) partitions = Math.ceil(partitions / nodes) * nodes
  const warnings: string[] = []
  if (partitions > MAX_PARTITIONS)
    throw new UsageError(`${partitions} partitions are more than ${MAX_PARTITIONS}`, {
      next: 'Give the workers more memory (--memory) or pass fewer --partitions.',
    })
  if (partitions < 1) throw new UsageError('--partitions must be at least 1')
  const partitionBytes = Math.ceil(bytes / partitions)
  if (partitionBytes * 3 > memory)
    warnings.push(
      `a partition (${partitionBytes} bytes) needs more than a third of the memory per node; use more partitions`,
    )
  if (partitions < nodes)
    warnings.push(`${partitions} partitions for ${nodes} nodes leaves ${nodes - partitions} nodes without reduce work`)
  // Map runs as the worker cuts them: 64 MiB, or larger so that a node has at most 64 runs (a reducer
  // reads one segment per run per node), but at most a quarter of the memory (four run buffers).
  const mapRunBytes = runBytesFor(perNodeBytes, memory)
  const mapRunsPerNode = Math.max(1, Math.ceil(perNodeBytes / mapRunBytes))
  const fitsInMemory = nodes === 1 && bytes * 2 <= memory
  if (input.shuffle === 'memory' && !fitsInMemory) {
    throw new UsageError(
      `--shuffle memory needs one node whose memory holds the data twice (${bytes} bytes on ${nodes} node(s), ${memory} bytes of memory)`,
      {next: 'Use --shuffle files (the default for this size), or give the worker more --memory.'},
    )
  }
  const shuffle = input.shuffle === 'files' || !fitsInMemory ? 'files' : input.shuffle === 'memory' ? 'memory' : 'auto'
  const assignments = Array.from({length: nodes}, (_, node) => {
    const firstRecord = Math.floor((records * node) / nodes)
    const endRecord = Math.floor((records * (node + 1)) / nodes)
    return {
      node,
      firstRecord,
      records: endRecord - firstRecord,
      firstPartition: Math.floor((partitions * node) / nodes),
      endPartition: Math.floor((partitions * (node + 1)) / nodes),
    }
  })
  return {
    records,
    bytes,
    nodes,
    threadsPerNode: cores,
    memoryPerNodeBytes: memory,
    recordsPerNode: Math.ceil(records / nodes),
    partitions,
    partitionsPerNode: Math.ceil(partitions / nodes),
    partitionBytes,
    mapRunsPerNode,
    mapRunBytes,
    shuffle,
    files: {input: nodes, map: shuffle === 'memory' ? 0 : nodes * (mapRunsPerNode + 1), output: partitions},
    assignments,
    warnings,
  }
}

/** The worker's map run size for a node's input (keep in step with native/src/core/shuffle.cc). */
export function runBytesFor(inputBytes: number, memoryBytes: number): number {
  const wholeRecords = (bytes: number) => Math.ceil(bytes / RECORD_BYTES) * RECORD_BYTES
  const wanted = Math.max(wholeRecords(64 * 2 ** 20), wholeRecords(inputBytes / MAX_RUNS_PER_NODE))
  const limit = Math.max(RECORD_BYTES, Math.floor(memoryBytes / 4 / RECORD_BYTES) * RECORD_BYTES)
  return Math.min(limit, wanted, Math.max(wholeRecords(inputBytes), RECORD_BYTES))
}

export const MAX_RUNS_PER_NODE = 64
