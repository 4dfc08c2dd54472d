/**
 * A saved bench result: what `bench report` draws and `bench compare` compares. One JSON file per run,
 * validated with zod whenever it is read, so that a result from another version or a hand-edited file is
 * refused with the reason rather than drawn wrong. Figures carry their unit and the direction that is
 * better, so that a comparison needs no knowledge of the bench that made them.
 */
import {z} from 'zod'

import {RESULT_SCHEMA_VERSION} from './version.js'

export {RESULT_SCHEMA_VERSION}

export const BETTER = ['higher', 'lower', 'none'] as const
export type Better = (typeof BETTER)[number]

export const figureSchema = z.strictObject({
  /** Stable key, used to match figures of two results (e.g. "aggregate.bandwidthMiBps"). */
  key: z.string().min(1),
  label: z.string(),
  value: z.number(),
  unit: z.string(),
  better: z.enum(BETTER),
})
export type Figure = z.infer<typeof figureSchema>

export const hostEnvironmentSchema = z.strictObject({
  node: z.string(),
  kernel: z.string().optional(),
  cpu: z.string().optional(),
  cores: z.number().int().optional(),
  memoryBytes: z.number().optional(),
  /** The filesystem holding the run directory (findmnt -T): 3FS shows as fuse.hf3fs. */
  mount: z.strictObject({target: z.string(), source: z.string(), fstype: z.string()}).optional(),
})
export type HostEnvironment = z.infer<typeof hostEnvironmentSchema>

export const environmentSchema = z.strictObject({
  cliVersion: z.string(),
  nodeVersion: z.string(),
  hosts: z.array(hostEnvironmentSchema),
  /** Set when the run directory is on 3FS: its mount point and the 3FS image the cluster runs. */
  threeFs: z.strictObject({mount: z.string(), version: z.string().optional()}).optional(),
})
export type Environment = z.infer<typeof environmentSchema>

export const seriesSchema = z.strictObject({
  node: z.string(),
  startEpochMs: z.number(),
  /** Bytes moved in each whole second from the node's start. */
  bytesPerSecond: z.array(z.number()),
})

/**
 * Where a phase's time went on one node, as the worker measured it. The map reads run k+1 while it
 * partitions run k and writes run k-1, so the parts are not consecutive: "read wait" and "write wait" are
 * the time the partitioning (or sorting) thread waited for I/O, the rest is its own work.
 */
export const phasePartSchema = z.strictObject({name: z.string(), seconds: z.number().nonnegative()})
export type PhasePart = z.infer<typeof phasePartSchema>

export const phaseSpanSchema = z.strictObject({
  node: z.string(),
  phase: z.string(),
  startEpochMs: z.number(),
  endEpochMs: z.number(),
  parts: z.array(phasePartSchema).optional(),
})
export type PhaseSpan = z.infer<typeof phaseSpanSchema>

export const RESULT_KINDS = ['throughput', 'graysort-run', 'graysort-sort', 'graysort-validate'] as const
export type ResultKind = (typeof RESULT_KINDS)[number]

export const benchResultSchema = z.strictObject({
  schema: z.literal(RESULT_SCHEMA_VERSION),
  kind: z.enum(RESULT_KINDS),
  /** A short name for tables and charts (e.g. "read 1 MiB x32 x1, io_uring"). */
  title: z.string(),
  createdAt: z.string(),
  /** The command line that produced it (after the program name). */
  argv: z.array(z.string()),
  /** Every parameter of the run, resolved (sizes in bytes, defaults filled in). */
  parameters: z.record(z.string(), z.unknown()),
  engine: z.string(),
  /** For graysort: a sort implementation (native, duckdb). */
  impl: z.string().optional(),
  verdict: z.enum(['PASS', 'FAIL']).optional(),
  figures: z.array(figureSchema),
  nodes: z.array(z.strictObject({node: z.string(), engine: z.string().optional(), figures: z.array(figureSchema)})),
  series: z.array(seriesSchema),
  /** Sparse [bucket, count] pairs in the worker's layout (src/bench/throughput/latency.ts), all nodes merged. */
  latencyHistogram: z.array(z.tuple([z.number().int(), z.number()])),
  phases: z.array(phaseSpanSchema),
  environment: environmentSchema,
  /** The command's own --json report, as it was printed. */
  report: z.unknown(),
})
export type BenchResult = z.infer<typeof benchResultSchema>
