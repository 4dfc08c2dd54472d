/**
 * The native worker's protocol, typed on this side: the argv of each subcommand is built here and nowhere
 * else; every JSON line the worker prints (native/src/worker/main.cc) is checked against a schema in
 * worker-messages.ts before anything reads it, so a worker of another version fails with the line it
 * printed instead of feeding NaN or undefined into a result. The schemas are a module of their own,
 * loaded once the worker runs: zod is ~50 ms of loading that would otherwise come before the worker
 * starts (bench graysort sort).
 */
export type {WorkerMessage, WorkerResult, WorkerResultKind} from './worker-messages.js'

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
