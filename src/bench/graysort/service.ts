/**
 * GraySort on the cluster (or this machine): gensort-identical input generated in parallel by every
 * node, a two-pass sort by the native worker (map: range-partition by sampled splitters; reduce: sort
 * each partition, one output file per partition), and valsort-equivalent validation. Coordination
 * is through files in one shared directory (the 3FS mount) plus the SSH channels that run the workers.
 */
import {mkdir, rm, stat} from 'node:fs/promises'
import {posix} from 'node:path'
import {performance} from 'node:perf_hooks'

import {UsageError} from '../../errors.js'
import {fanOut, valuesOrThrow} from '../../remote/fanout.js'
import {shellQuote} from '../../remote/shell.js'
import {checkUsrbioLibraries} from '../library-check.js'
import type {BenchNode, BenchTarget} from '../target.js'
import {runWorker, WorkerFailedError, type WorkerProgress} from '../worker.js'
import {genArgv, sortNodeArgv, validateArgv, type WorkerMessage} from '../worker-protocol.js'
import type {PhasePart} from '../results/model.js'
import {sortNodeParts} from './phase-parts.js'
import {planGraysort, RECORD_BYTES, type GraysortPlan, type ShuffleChoice} from './plan.js'
import {addChecksums, mergeFileSummaries, type FileSummary, type ValidationReport} from './summary.js'

export type Phase = 'gen' | 'sample' | 'map' | 'reduce' | 'validate' | 'cleanup'

export interface GraysortReporter {
  phaseStarted?(phase: Phase, nodes: number): void
  phaseFinished?(phase: Phase, seconds: number): void
  progress?(progress: WorkerProgress): void
  /** When one node ran one phase (wall clock), for the saved result's timeline. */
  nodePhase?(phase: Phase, node: string, startEpochMs: number, endEpochMs: number): void
  /** Where one node's time in a phase went (read wait, partition, sort, write wait), once the worker says. */
  nodePhaseParts?(phase: Phase, node: string, parts: PhasePart[]): void
}

export interface PhaseTiming {
  phase: Phase
  seconds: number
}

function shared(target: BenchTarget, ...parts: string[]): string {
  return posix.join(target.dir, ...parts)
}

/** Runs one phase on every node at once; the first failure cancels the others and is rethrown. */
async function onEveryNode<T>(
  target: BenchTarget,
  phase: Phase,
  reporter: GraysortReporter,
  signal: AbortSignal | undefined,
  work: (node: BenchNode, index: number, signal: AbortSignal) => Promise<T>,
  options: {finishedByWorker?: boolean} = {},
): Promise<{values: T[]; seconds: number}> {
  reporter.phaseStarted?.(phase, target.nodes.length)
  const started = performance.now()
  const indexed = target.nodes.map((node, index) => ({...node, index}))
  const outcomes = await fanOut(
    indexed,
    async (node, nodeSignal) => {
      const start = Date.now()
      const value = await work(node, node.index, nodeSignal)
      if (!options.finishedByWorker) reporter.nodePhase?.(phase, node.name, start, Date.now())
      return value
    },
    {concurrency: target.nodes.length, failFast: true, signal},
  )
  const values = valuesOrThrow(outcomes)
  const seconds = (performance.now() - started) / 1000
  if (!options.finishedByWorker) reporter.phaseFinished?.(phase, seconds)
  return {values, seconds}
}

export interface GenerateResult {
  files: string[]
  records: number
  checksum: string
  seconds: number
}

/** The per-node input files generateInput writes into `dir`. */
export function inputFiles(dir: string, nodes: number): string[] {
  return Array.from({length: nodes}, (_, index) => posix.join(dir, `input-${String(index).padStart(5, '0')}.dat`))
}

/**
 * gen never replaces a file silently (gensort would): the files it is about to write must not exist,
 * unless the user said --force. Checked on the node that writes the first file (the mount is shared).
 */
export async function refuseExisting(target: BenchTarget, files: string[], signal?: AbortSignal): Promise<void> {
  const script = `for f in ${files.map((file) => shellQuote(file)).join(' ')}; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\\n' "$f"; fi; done`
  const found = await target.nodes[0]!.host.run(script, {
    check: true,
    signal,
    label: 'check the output files do not exist',
  })
  const existing = found.stdout.split('\n').filter((line) => line !== '')
  if (existing.length > 0) {
    throw new UsageError(
      `${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ` and ${existing.length - 3} more` : ''} already exist${existing.length === 1 ? 's' : ''}: gen does not replace files`,
      {next: 'Give a new --output, remove the file yourself, or add --force to replace it.'},
    )
  }
}

/** Generates records [start, start+records) split across the nodes, one file per node, in `dir`. */
export async function generateInput(
  target: BenchTarget,
  options: {dir: string; start: bigint; records: number; mode: 'binary' | 'ascii'; signal?: AbortSignal},
  reporter: GraysortReporter = {},
): Promise<GenerateResult> {
  const n = target.nodes.length
  await target.nodes[0]!.host.run(['mkdir', '-p', options.dir], {check: true, signal: options.signal})
  const {values, seconds} = await onEveryNode(target, 'gen', reporter, options.signal, async (node, index, signal) => {
    // BigInt: record numbers run to 2^64 - 1, far past the integers a JS number holds exactly.
    const share = (i: number) => (BigInt(options.records) * BigInt(i)) / BigInt(n)
    const first = options.start + share(index)
    const count = share(index + 1) - share(index)
    const file = inputFiles(options.dir, n)[index]!
    const {result} = await runWorker({
      host: node.host,
      binary: node.worker,
      phase: 'gen',
      signal,
      onProgress: reporter.progress,
      result: 'gen',
      args: genArgv({start: first, count, mode: options.mode, output: file, threads: node.cores}),
    })
    return {file, checksum: result.checksum}
  })
  return {
    files: values.map((value) => value.file),
    records: options.records,
    checksum: values.reduce((sum, value) => addChecksums(sum, value.checksum), '0'),
    seconds,
  }
}

/** Generates one file that is byte-identical to `gensort [-a] -bSTART RECORDS FILE`, on the first node. */
export async function generateFile(
  target: BenchTarget,
  options: {file: string; start: bigint; records: number; mode: 'binary' | 'ascii'; signal?: AbortSignal},
  reporter: GraysortReporter = {},
): Promise<GenerateResult> {
  const node = target.nodes[0]!
  reporter.phaseStarted?.('gen', 1)
  const started = performance.now()
  const {result} = await runWorker({
    host: node.host,
    binary: node.worker,
    phase: 'gen',
    signal: options.signal,
    onProgress: reporter.progress,
    result: 'gen',
    args: genArgv({
      start: options.start,
      count: options.records,
      mode: options.mode,
      output: options.file,
      threads: node.cores,
    }),
  })
  const seconds = (performance.now() - started) / 1000
  reporter.phaseFinished?.('gen', seconds)
  return {files: [options.file], records: options.records, checksum: result.checksum, seconds}
}

export interface SortOptions {
  inputs: string[]
  outputDir: string
  /** Scratch space for samples and map files (removed afterwards unless keep). */
  workDir: string
  partitions?: number
  shuffle?: ShuffleChoice
  memoryBytes?: number
  keep: boolean
  signal?: AbortSignal
  engine?: 'auto' | 'usrbio' | 'io_uring' | 'psync'
  usrbioLibrary?: string
  /** 3FS mount point for usrbio (default: the cluster's hostMountpoint). */
  mountPoint?: string
}

export interface SortResult {
  /** The I/O engine the workers used (usrbio, io_uring or psync; several when nodes differ). */
  engine: string
  plan: GraysortPlan
  outputs: string[]
  timings: PhaseTiming[]
  /** Input files to output files: sample + map + reduce. */
  seconds: number
  bytes: number
  /** The shuffle that ran (the plan's auto is decided on the node). */
  shuffle: 'memory' | 'files'
  /** With the plan's auto: the node gives freed memory back to its host (a VM with free page reporting). */
  memoryReturnedToHost?: boolean
}

export async function sortFiles(
  target: BenchTarget,
  options: SortOptions,
  reporter: GraysortReporter = {},
): Promise<SortResult> {
  if (options.inputs.length === 0)
    throw new UsageError('there are no input files to sort', {
      next: 'Point --input at a file or a directory of .dat files.',
    })
  // Both only read the nodes: one round trip's wait instead of two before the workers start.
  const [, sizes] = await Promise.all([
    checkUsrbioLibraries(target, {
      engine: options.engine,
      usrbioLibrary: options.usrbioLibrary,
      signal: options.signal,
    }),
    inputSizes(target, options.inputs, options.signal),
  ])
  const bytes = sizes.reduce((sum, size) => sum + size, 0)
  if (bytes % RECORD_BYTES !== 0)
    throw new UsageError(`the input is ${bytes} bytes, not a whole number of 100-byte records`, {
      next: 'Sort files made by gensort or `3fs-cli bench graysort gen`.',
    })
  const plan = planGraysort({
    records: bytes / RECORD_BYTES,
    nodes: target.nodes.length,
    cores: Math.min(...target.nodes.map((node) => node.cores)),
    memoryBytes: options.memoryBytes ?? Math.min(...target.nodes.map((node) => node.memoryBytes)),
    partitions: options.partitions,
    shuffle: options.shuffle,
  })
  const timings: PhaseTiming[] = []
  const n = target.nodes.length
  // Inputs are dealt to nodes in order: node i maps files i, i+n, i+2n, ...
  const inputsOf = (index: number) => options.inputs.filter((_, file) => file % n === index)
  await makeDirectories(target, [options.workDir, options.outputDir], options.signal)
  // One worker process per node runs sample, map and reduce, meeting the others at barriers (files in
  // the work directory); a phase is over when the last node reports it.
  const started = performance.now()
  const finishedBy = new Map<string, number>()
  let previousEnd = 0
  const onMessage = (message: WorkerMessage) => {
    if (message.type !== 'phase') return
    const phase = (message as {phase: string}).phase as Phase
    const count = (finishedBy.get(phase) ?? 0) + 1
    finishedBy.set(phase, count)
    if (count === n) {
      const end = (performance.now() - started) / 1000
      timings.push({phase, seconds: end - previousEnd})
      previousEnd = end
      reporter.phaseFinished?.(phase, timings.at(-1)!.seconds)
      const next = {sample: 'map', map: 'reduce'}[phase as 'sample' | 'map'] as Phase | undefined
      if (next) reporter.phaseStarted?.(next, n)
    }
  }
  const perFile = Math.max(1000, Math.ceil((plan.partitions * 100) / options.inputs.length))
  let engines: string[] = []
  let shuffle: SortResult['shuffle'] = plan.shuffle === 'memory' ? 'memory' : 'files'
  let memoryReturnedToHost: boolean | undefined
  try {
    const sorted = await onEveryNode(
      target,
      'sample',
      reporter,
      options.signal,
      async (node, index, signal) => {
        const args = sortNodeArgv({
          index,
          nodes: n,
          inputs: inputsOf(index),
          work: options.workDir,
          partitions: plan.partitions,
          outputDir: options.outputDir,
          memoryBytes: plan.memoryPerNodeBytes,
          threads: node.cores,
          samplePerFile: perFile,
          engine: options.engine ?? 'auto',
          shuffle: plan.shuffle,
          mountPoint: options.mountPoint ?? target.mountPoint,
          usrbioLibrary: options.usrbioLibrary,
        })
        // Each node's own sample/map/reduce spans, for the saved result's timeline.
        let phaseStart = Date.now()
        const onNodeMessage = (message: WorkerMessage) => {
          onMessage(message)
          if (message.type === 'phase')
            reporter.nodePhase?.(
              (message as {phase: string}).phase as Phase,
              node.name,
              phaseStart,
              (phaseStart = Date.now()),
            )
        }
        const {result} = await runWorker({
          host: node.host,
          binary: node.worker,
          phase: 'sort',
          signal,
          onProgress: reporter.progress,
          onMessage: onNodeMessage,
          result: 'sortNode',
          args,
        })
        const parts = sortNodeParts(result)
        reporter.nodePhaseParts?.('map', node.name, parts.map)
        reporter.nodePhaseParts?.('reduce', node.name, parts.reduce)
        return result
      },
      {finishedByWorker: true},
    )
    engines = [...new Set(sorted.values.map((result) => result.engine))]
    if (sorted.values.some((result) => result.shuffle === 'memory')) shuffle = 'memory'
    if (plan.shuffle === 'auto') memoryReturnedToHost = sorted.values[0]?.memoryReturnedToHost
  } catch (error) {
    // Name the phase the run was in, not just "sort".
    const phase = (['sample', 'map', 'reduce'] as Phase[]).find((name) => finishedBy.get(name) !== n) ?? 'reduce'
    if (error instanceof WorkerFailedError)
      throw new WorkerFailedError(error.node, phase, error.reason, error.stderrTail)
    throw error
  } finally {
    if (!options.keep) await removeDirectory(target, options.workDir)
  }
  const outputs = Array.from({length: plan.partitions}, (_, partition) =>
    posix.join(options.outputDir, `part-${String(partition).padStart(5, '0')}.dat`),
  )
  return {
    engine: engines.join(','),
    plan,
    outputs,
    timings,
    seconds: timings.reduce((sum, timing) => sum + timing.seconds, 0),
    bytes,
    shuffle,
    ...(memoryReturnedToHost !== undefined ? {memoryReturnedToHost} : {}),
  }
}

// On this machine the steps before the worker starts are done in-process: a shell per step cost ~10 ms
// each of a sort's start (stat, mkdir), on the path nothing else overlaps. On nodes, one shell command each.

async function inputSizes(target: BenchTarget, inputs: string[], signal?: AbortSignal): Promise<number[]> {
  const unreadable = (reason: string) =>
    new UsageError(`cannot read the input files: ${reason}`, {next: 'Check the --input path.'})
  if (target.local) {
    try {
      return await Promise.all(inputs.map(async (input) => (await stat(input)).size))
    } catch (error) {
      throw unreadable((error as Error).message)
    }
  }
  const sizes = await target.nodes[0]!.host.run(['stat', '-c', '%s', '--', ...inputs], {signal})
  if (sizes.exitCode !== 0) throw unreadable(sizes.stderr.trim())
  return sizes.stdout.trim().split('\n').map(Number)
}

async function makeDirectories(target: BenchTarget, dirs: string[], signal?: AbortSignal): Promise<void> {
  if (target.local) {
    for (const dir of dirs) await mkdir(dir, {recursive: true})
    return
  }
  await target.nodes[0]!.host.run(['mkdir', '-p', ...dirs], {check: true, signal})
}

async function removeDirectory(target: BenchTarget, dir: string): Promise<void> {
  if (target.local) await rm(dir, {recursive: true, force: true}).catch(() => undefined)
  else await target.nodes[0]!.host.run(['rm', '-rf', '--', dir]).catch(() => undefined)
}

/** Validates files in the given order, each node taking a contiguous slice, and merges the summaries. */
export async function validateFiles(
  target: BenchTarget,
  files: string[],
  reporter: GraysortReporter = {},
  signal?: AbortSignal,
): Promise<ValidationReport & {seconds: number}> {
  if (files.length === 0)
    throw new UsageError('there are no files to validate', {next: 'Give files or a directory of part-*.dat files.'})
  const n = target.nodes.length
  const {values, seconds} = await onEveryNode(target, 'validate', reporter, signal, async (node, index, nodeSignal) => {
    const mine = files.slice(Math.floor((files.length * index) / n), Math.floor((files.length * (index + 1)) / n))
    if (mine.length === 0) return [] as FileSummary[]
    const {lines} = await runWorker({
      host: node.host,
      binary: node.worker,
      phase: 'validate',
      signal: nodeSignal,
      result: 'validate',
      args: validateArgv({inputs: mine, threads: node.cores}),
    })
    const {fileSummaries} = await import('../worker-messages.js')
    return fileSummaries(lines)
  })
  return {...mergeFileSummaries(values.flat()), seconds}
}

export interface RunOptions {
  records: number
  mode: 'binary' | 'ascii'
  partitions?: number
  shuffle?: ShuffleChoice
  memoryBytes?: number
  keep: boolean
  signal?: AbortSignal
  engine?: SortOptions['engine']
  usrbioLibrary?: string
  mountPoint?: string
}

export interface RunReport {
  engine: string
  nodes: string[]
  records: number
  bytes: number
  partitions: number
  input: {checksum: string; seconds: number}
  sort: {seconds: number; timings: PhaseTiming[]}
  validation: ValidationReport & {seconds: number}
  /** Sorted bytes per minute over the sort phases, and per node per second. */
  tibPerMinute: number
  gibPerSecondPerNode: number
  verdict: 'PASS' | 'FAIL'
  reasons: string[]
  dir: string
  kept: boolean
}

/** Why a sorted output is not a valid sort of its input (empty when it is): counts, checksum, order, files. */
export function validationFailures(
  validation: ValidationReport,
  inputRecords: number,
  inputChecksum: string,
): string[] {
  const reasons: string[] = []
  if (validation.records !== inputRecords)
    reasons.push(`the output has ${validation.records} records, the input had ${inputRecords}`)
  if (validation.checksum !== inputChecksum)
    reasons.push(`the output checksum ${validation.checksum} differs from the input checksum ${inputChecksum}`)
  if (validation.unordered > 0) reasons.push(`${validation.unordered} records are out of order`)
  for (const problem of validation.problems) reasons.push(`${problem.path}: ${problem.problem}`)
  return reasons
}

/** A run's report from what every sorter measures: rates from the sort time, verdict from the validation. */
export function runReport(run: {
  engine: string
  nodes: string[]
  records: number
  partitions: number
  input: GenerateResult
  sort: {seconds: number; timings: PhaseTiming[]}
  validation: ValidationReport & {seconds: number}
  /** Reasons of the sorter's own besides the validator's. */
  reasons?: string[]
  dir: string
  kept: boolean
}): RunReport {
  const reasons = [...validationFailures(run.validation, run.records, run.input.checksum), ...(run.reasons ?? [])]
  const bytes = run.records * RECORD_BYTES
  return {
    engine: run.engine,
    nodes: run.nodes,
    records: run.records,
    bytes,
    partitions: run.partitions,
    input: {checksum: run.input.checksum, seconds: run.input.seconds},
    sort: run.sort,
    validation: run.validation,
    tibPerMinute: bytes / 2 ** 40 / (run.sort.seconds / 60),
    gibPerSecondPerNode: bytes / 2 ** 30 / run.sort.seconds / run.nodes.length,
    verdict: reasons.length === 0 ? 'PASS' : 'FAIL',
    reasons,
    dir: run.dir,
    kept: run.kept,
  }
}

export async function runGraysort(
  target: BenchTarget,
  options: RunOptions,
  reporter: GraysortReporter = {},
): Promise<RunReport> {
  try {
    // Generation is inside the try: a failed or interrupted generation leaves nothing behind either.
    const input = await generateInput(
      target,
      {dir: shared(target, 'input'), start: 0n, records: options.records, mode: options.mode, signal: options.signal},
      reporter,
    )
    const sort = await sortFiles(
      target,
      {
        inputs: input.files,
        outputDir: shared(target, 'output'),
        workDir: shared(target, 'work'),
        partitions: options.partitions,
        shuffle: options.shuffle,
        memoryBytes: options.memoryBytes,
        keep: options.keep,
        engine: options.engine,
        usrbioLibrary: options.usrbioLibrary,
        mountPoint: options.mountPoint,
        signal: options.signal,
      },
      reporter,
    )
    const validation = await validateFiles(target, sort.outputs, reporter, options.signal)
    return runReport({
      engine: sort.engine,
      nodes: target.nodes.map((node) => node.name),
      records: options.records,
      partitions: sort.plan.partitions,
      input,
      sort: {seconds: sort.seconds, timings: sort.timings},
      validation,
      dir: target.dir,
      kept: options.keep,
    })
  } finally {
    if (!options.keep) {
      reporter.phaseStarted?.('cleanup', 1)
      // Only what this run created: its own marked run directory (never --dir itself or anything else in it).
      await target.removeRunDir()
      reporter.phaseFinished?.('cleanup', 0)
    }
  }
}
