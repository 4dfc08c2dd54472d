/**
 * The native worker's protocol, typed on this side: the argv of each subcommand is built here and nowhere
 * else, and every JSON line the worker prints (native/src/worker/main.cc) is checked against a schema
 * before anything reads it, so a worker of another version fails with the line it printed instead of
 * feeding NaN or undefined into a result.
 */
import {z} from 'zod'

import type {FileSummary} from './graysort/summary.js'

// ---- argv -------------------------------------------------------------------------------------------

export interface GenArgs {
  /** Record numbers run to 2^64 - 1: a bigint where a number would lose precision. */
  start: number | bigint
  count: number | bigint
  mode: 'binary' | 'ascii'
  output: string
  threads: number
}

export function genArgv(args: GenArgs): string[] {
  return [
    'gen',
    '--start',
    String(args.start),
    '--count',
    String(args.count),
    '--mode',
    args.mode,
    '--output',
    args.output,
    '--threads',
    String(args.threads),
  ]
}

/** sample: keys (each record's first 10 bytes) from evenly spaced records of each input, written raw. */
export function sampleArgv(args: {inputs: string[]; perFile: number; output: string}): string[] {
  return ['sample', '--inputs', args.inputs.join(','), '--per-file', String(args.perFile), '--output', args.output]
}

/** splitters: partitions - 1 keys from the pooled samples, written raw (10 bytes each, ascending). */
export function splittersArgv(args: {samples: string[]; partitions: number; output: string}): string[] {
  return [
    'splitters',
    '--samples',
    args.samples.join(','),
    '--partitions',
    String(args.partitions),
    '--output',
    args.output,
  ]
}

export function validateArgv(args: {inputs: string[]; threads: number}): string[] {
  return ['validate', '--inputs', args.inputs.join(','), '--threads', String(args.threads)]
}

/** Where the worker reads and writes: a local directory, or a 3FS mount (optionally through USRBIO's library). */
export interface EngineArgs {
  engine: string
  mountPoint?: string
  usrbioLibrary?: string
}

/** --mount and --usrbio-lib, when given (the worker's defaults are "none"). */
function mountArgv(args: EngineArgs): string[] {
  return [
    ...(args.mountPoint ? ['--mount', args.mountPoint] : []),
    ...(args.usrbioLibrary ? ['--usrbio-lib', args.usrbioLibrary] : []),
  ]
}

export interface SortNodeArgs extends EngineArgs {
  index: number
  nodes: number
  inputs: string[]
  work: string
  partitions: number
  outputDir: string
  memoryBytes: number
  threads: number
  samplePerFile: number
  shuffle: string
}

export function sortNodeArgv(args: SortNodeArgs): string[] {
  return [
    'sort-node',
    '--index',
    String(args.index),
    '--nodes',
    String(args.nodes),
    '--inputs',
    args.inputs.join(','),
    '--work',
    args.work,
    '--partitions',
    String(args.partitions),
    '--output-dir',
    args.outputDir,
    '--memory',
    String(args.memoryBytes),
    '--threads',
    String(args.threads),
    '--sample-per-file',
    String(args.samplePerFile),
    '--engine',
    args.engine,
    '--shuffle',
    args.shuffle,
    ...mountArgv(args),
  ]
}

export interface ThroughputArgs extends EngineArgs {
  dir: string
  rw: string
  blockSize: number
  iodepth: number
  jobs: number
  size: number
  runtimeMs: number
  direct: boolean
  keep: boolean
  /** Only lay the files out (the untimed step before every node starts together). */
  layoutOnly?: boolean
  /** Epoch ms at which every node starts its timed run. */
  startAt?: number
}

export function throughputArgv(args: ThroughputArgs): string[] {
  return [
    'throughput',
    '--dir',
    args.dir,
    '--rw',
    args.rw,
    '--bs',
    String(args.blockSize),
    '--iodepth',
    String(args.iodepth),
    '--jobs',
    String(args.jobs),
    '--size',
    String(args.size),
    '--runtime-ms',
    String(args.runtimeMs),
    '--direct',
    args.direct ? '1' : '0',
    '--engine',
    args.engine,
    '--keep',
    args.keep ? '1' : '0',
    ...mountArgv(args),
    ...(args.layoutOnly ? ['--layout-only', '1'] : []),
    ...(args.startAt !== undefined ? ['--start-at', String(args.startAt)] : []),
  ]
}

// ---- messages ---------------------------------------------------------------------------------------

const count = z.number().int().nonnegative()
const seconds = z.number().nonnegative()
const hex = z.string().regex(/^[0-9a-f]+$/)

/** Lines every subcommand may print besides its result (main.cc emit calls). */
export const progressMessage = z.looseObject({
  type: z.literal('progress'),
  phase: z.string(),
  bytesDone: count,
  bytesTotal: count,
})
export const phaseMessage = z.looseObject({type: z.literal('phase'), phase: z.string(), seconds})
export const errorMessage = z.looseObject({type: z.literal('error'), message: z.string()})
/** validate: one line per input file, with its summary or why it could not be read. */
export const fileMessage = z.union([
  z.looseObject({type: z.literal('file'), path: z.string(), index: count, error: z.string()}),
  z.looseObject({
    type: z.literal('file'),
    path: z.string(),
    index: count,
    records: count,
    duplicates: count,
    unordered: count,
    firstUnordered: z.number().int().min(-1),
    checksum: hex,
    firstKey: hex.optional(),
    lastKey: hex.optional(),
  }),
])
const resultBase = z.looseObject({type: z.literal('result')})
export const otherMessage = z.looseObject({
  type: z.string().refine((type) => !['progress', 'phase', 'error', 'file', 'result'].includes(type)),
})

/** The result line of each subcommand, with the fields this side reads. */
export const genResult = resultBase.extend({records: count, bytes: count, checksum: hex, seconds})
export const sampleResult = resultBase.extend({keys: count})
export const splittersResult = resultBase.extend({splitters: count})
export const validateResult = resultBase.extend({files: count, records: count, checksum: hex, seconds})
/** sort-node's result; the map/reduce parts are what the worker's partition and sort threads spent (main.cc). */
export const sortNodeResult = resultBase.extend({
  engine: z.string(),
  records: count,
  bytes: count,
  seconds,
  mapReadWaitSeconds: seconds.optional(),
  mapPartitionSeconds: seconds.optional(),
  mapPopulateWaitSeconds: seconds.optional(),
  /** The map read its input with O_DIRECT (the input was mostly not in the page cache). */
  mapInputDirect: z.boolean().optional(),
  mapWriteWaitSeconds: seconds.optional(),
  reduceReadWaitSeconds: seconds.optional(),
  reduceSortSeconds: seconds.optional(),
  reduceWriteSeconds: seconds.optional(),
})
export const throughputResult = resultBase.extend({
  engine: z.string(),
  engineNote: z.string().optional(),
  bytes: count,
  ios: count,
  seconds,
  startEpochMs: z.number(),
  endEpochMs: z.number(),
  latencyP50Us: z.number(),
  latencyP99Us: z.number(),
  latencyP999Us: z.number(),
  latencyMeanUs: z.number(),
  layoutSeconds: z.number().optional(),
  bytesPerSecond: z.array(z.number()),
  latencyHistogram: z.array(z.tuple([z.number(), z.number()])),
})
/** For a run whose result is not read (throughput's layout step). */
export const anyResult = resultBase

export type WorkerMessage =
  | z.infer<typeof progressMessage>
  | z.infer<typeof phaseMessage>
  | z.infer<typeof errorMessage>
  | z.infer<typeof fileMessage>
  | z.infer<typeof otherMessage>
  | z.infer<typeof resultBase>

const MESSAGE_SCHEMAS: Record<string, z.ZodType> = {
  progress: progressMessage,
  phase: phaseMessage,
  error: errorMessage,
  file: fileMessage,
}

/** A line that does not match its schema: what it was and what was wrong. */
export class WorkerProtocolError extends Error {
  constructor(
    readonly line: string,
    readonly problem: string,
  ) {
    super(`the worker printed a line this version does not understand (${problem}): ${line.slice(0, 200)}`)
    this.name = 'WorkerProtocolError'
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ')
}

/** Parses one stdout line: undefined for a line that is no JSON object (not part of the protocol), else the checked message. */
export function decodeWorkerLine<R extends z.ZodType>(line: string, result: R): WorkerMessage | z.infer<R> | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const type = (value as {type?: unknown}).type
  if (typeof type !== 'string') throw new WorkerProtocolError(line, 'no "type"')
  const schema = type === 'result' ? result : (MESSAGE_SCHEMAS[type] ?? otherMessage)
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new WorkerProtocolError(line, describe(parsed.error))
  return parsed.data as WorkerMessage | z.infer<R>
}

/** validate's file lines as summaries (a file that could not be read carries only its error). */
export function fileSummaries(messages: WorkerMessage[]): FileSummary[] {
  return messages.flatMap((message): FileSummary[] => {
    if (message.type !== 'file') return []
    const file = fileMessage.parse(message)
    if ('error' in file && typeof file.error === 'string')
      return [
        {
          path: file.path,
          records: 0,
          duplicates: 0,
          unordered: 0,
          firstUnordered: -1,
          checksum: '0',
          error: file.error,
        },
      ]
    const ok = file as Exclude<typeof file, {error: string}>
    return [
      {
        path: ok.path,
        records: ok.records,
        duplicates: ok.duplicates,
        unordered: ok.unordered,
        firstUnordered: ok.firstUnordered,
        checksum: ok.checksum,
        ...(ok.firstKey !== undefined ? {firstKey: ok.firstKey} : {}),
        ...(ok.lastKey !== undefined ? {lastKey: ok.lastKey} : {}),
      },
    ]
  })
}
