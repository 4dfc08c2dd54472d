/**
 * The schemas of the worker's JSON lines (native/src/worker/main.cc emit calls) and their decoding. Loaded
 * by runWorker once the worker has started (see worker-protocol.ts for why apart).
 */
import {z} from 'zod'

import type {FileSummary} from './graysort/summary.js'
import {WorkerProtocolError} from './worker-protocol.js'

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
  /** The shuffle that ran, and with --shuffle auto what chose it: freed memory returns to the host (sort_node.h). */
  shuffle: z.enum(['memory', 'files']).optional(),
  memoryReturnedToHost: z.boolean().optional(),
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

/** Each subcommand's result schema by name: a caller names the one it expects (WorkerRun.result). */
export const WORKER_RESULTS = {
  gen: genResult,
  sample: sampleResult,
  splitters: splittersResult,
  validate: validateResult,
  sortNode: sortNodeResult,
  throughput: throughputResult,
  any: anyResult,
}
export type WorkerResultKind = keyof typeof WORKER_RESULTS
export type WorkerResult<K extends WorkerResultKind> = z.infer<(typeof WORKER_RESULTS)[K]>

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
