/**
 * The GraySort commands as one call each: what `bench graysort gen|sort|validate|run` do between parsing
 * their flags and rendering the outcome. Each opens its target, runs, cleans up and saves the result.
 */
import {posix, resolve} from 'node:path'

import {DEFAULT_DUCKDB_BIN_DIR} from '../../cluster/defaults.js'
import type {Cluster} from '../../config/model.js'
import {UsageError} from '../../errors.js'
import {graysortRunResult, graysortSortResult, graysortValidateResult} from '../results/build.js'
import {PhaseRecorder} from '../results/phases.js'
import type {Recorded} from '../results/record.js'
import {planResources} from '../resources.js'
import {inBenchSession, saveBenchResult, type SaveOptions} from '../session.js'
import {openTarget} from '../target.js'
import type {EngineChoice} from '../throughput/service.js'
import {
  checkLocalOutputDir,
  checkRemoteOutputDir,
  expandValidatePaths,
  isDirectoryTarget,
  listLocalInputs,
  listRemoteInputs,
  sortPaths,
} from './inputs.js'
import {
  generateFile,
  generateInput,
  inputFiles,
  refuseExisting,
  runGraysort,
  sortFiles,
  validateFiles,
  type GenerateResult,
  type GraysortReporter,
  type RunReport,
  type SortResult,
} from './service.js'
import {planGraysort, type GraysortPlan, type ShuffleChoice} from './plan.js'
import type {ValidationReport} from './summary.js'

/** A progress display the job shows around its phases. */
export interface JobDisplay extends GraysortReporter {
  around<T>(work: () => Promise<T>): Promise<T>
}

/** Made once the target is open (nothing is shown while nodes are reached), given the number of nodes. */
export type DisplayFor = (nodes: number) => JobDisplay

export interface WhereOptions {
  cluster?: Cluster
  /** Node names instead of all client nodes. */
  nodes?: string[]
  /** --dir */
  dir?: string
  signal?: AbortSignal
  /** Told the `bench clean` command when the run's files could not be removed. */
  onLeftover?: (command: string) => void
}

export interface SavedRun {
  /** The nodes that ran. */
  nodes: string[]
  saved: Recorded
}

interface SortEngineOptions {
  partitions?: number
  shuffle: ShuffleChoice
  memoryBytes?: number
  keep: boolean
  engine: EngineChoice
  usrbioLibrary?: string
  mountPoint?: string
}

export interface GenerateJobOptions extends WhereOptions {
  /** A file (one gensort-identical file on the first node), or a directory (one file per node). */
  output: string
  /** Record numbers run to 2^64 - 1 (parseStart). */
  start: bigint
  records: number
  mode: 'binary' | 'ascii'
  /** Replace output files that exist (--force); without it they are refused before anything is written. */
  force?: boolean
}

export async function generateJob(options: GenerateJobOptions, displayFor: DisplayFor): Promise<GenerateResult> {
  const toDirectory = isDirectoryTarget(options.output)
  if (!options.output.startsWith('/') && options.cluster)
    throw new UsageError('--output must be an absolute path on the nodes', {next: 'For example /3fs/graysort/input/'})
  const target = await openTarget({
    cluster: options.cluster,
    nodes: options.nodes,
    dir: options.dir ?? '/',
    runDir: false,
    purpose: 'graysort',
    signal: options.signal,
  })
  try {
    const output = options.cluster ? options.output : resolve(options.output)
    if (!options.force)
      await refuseExisting(target, toDirectory ? inputFiles(output, target.nodes.length) : [output], options.signal)
    const common = {start: options.start, records: options.records, mode: options.mode, signal: options.signal}
    const display = displayFor(target.nodes.length)
    return await display.around(() =>
      toDirectory
        ? generateInput(target, {dir: output, ...common}, display)
        : generateFile(target, {file: output, ...common}, display),
    )
  } finally {
    await target.close()
  }
}

export interface SortJobOptions extends WhereOptions, SortEngineOptions {
  input: string
  output: string
  cliVersion: string
  save: SaveOptions
}

export async function sortJob(
  options: SortJobOptions,
  displayFor: DisplayFor,
): Promise<SavedRun & {result: SortResult; output: string}> {
  const onNodes = options.cluster !== undefined
  const {input, output} = sortPaths(onNodes, options.input, options.output)
  // Checked before anything is made: a local run fails on a bad input or output without a run directory.
  const localInputs = onNodes ? [] : listLocalInputs(input)
  if (!onNodes) checkLocalOutputDir(output)
  let recorder = new PhaseRecorder()
  // The map files go to a new marked directory of this run (in --dir, else in the output directory),
  // removed at the end, also after a failure or Ctrl-C; nothing already there is touched.
  const run = await inBenchSession(
    {
      cluster: options.cluster,
      nodes: options.nodes,
      dir: options.dir ?? output,
      purpose: 'graysort',
      keep: options.keep,
      cliVersion: options.cliVersion,
      signal: options.signal,
      onLeftover: options.onLeftover,
    },
    async (target) => {
      // Both only read the first node: asked together.
      const [, inputs] = onNodes
        ? await Promise.all([
            checkRemoteOutputDir(target, output, options.dir === undefined),
            listRemoteInputs(target, input),
          ])
        : [undefined, localInputs]
      const {keep, partitions, shuffle, memoryBytes, engine, usrbioLibrary, mountPoint, signal} = options
      const display = displayFor(target.nodes.length)
      recorder = new PhaseRecorder(display)
      return display.around(() =>
        sortFiles(
          target,
          {
            inputs,
            outputDir: output,
            workDir: posix.join(target.dir, 'work'),
            partitions,
            shuffle,
            memoryBytes,
            keep,
            engine,
            usrbioLibrary,
            mountPoint,
            signal,
          },
          recorder,
        ),
      )
    },
  )
  const saved = await saveBenchResult(
    graysortSortResult(run.value, {
      argv: options.save.argv,
      environment: run.environment,
      phases: recorder.spans,
      nodes: run.nodes,
      parameters: {
        shuffle: options.shuffle,
        // What ran: auto is decided on the node (files where freed memory goes back to the host).
        shuffleUsed: run.value.shuffle,
        ...(run.value.memoryReturnedToHost !== undefined ? {memoryReturnedToHost: run.value.memoryReturnedToHost} : {}),
        engineChoice: options.engine,
      },
    }),
    options.save,
  )
  return {result: run.value, output, nodes: run.nodes, saved}
}

export interface ValidateJobOptions extends WhereOptions {
  /** Files in order, or one directory of part-NNNNN.dat files (on this machine). */
  paths: string[]
  expectRecords?: number
  expectChecksum?: string
  cliVersion: string
  save: SaveOptions
}

export async function validateJob(
  options: ValidateJobOptions,
): Promise<SavedRun & {report: ValidationReport & {seconds: number}}> {
  const {files, missing} = options.cluster
    ? {files: options.paths, missing: []}
    : expandValidatePaths(options.paths.map((path) => resolve(path)))
  const recorder = new PhaseRecorder()
  const run = await inBenchSession(
    {
      cluster: options.cluster,
      nodes: options.nodes,
      dir: options.dir ?? '/',
      runDir: false,
      purpose: 'graysort',
      cliVersion: options.cliVersion,
      signal: options.signal,
    },
    (target) => validateFiles(target, files, recorder, options.signal),
  )
  const report = run.value
  for (const path of missing) report.problems.push({path, problem: 'missing (the partition numbers have a gap here)'})
  if (options.expectRecords !== undefined && report.records !== options.expectRecords)
    report.problems.push({path: '(all)', problem: `${report.records} records, expected ${options.expectRecords}`})
  if (
    options.expectChecksum !== undefined &&
    report.checksum !== options.expectChecksum.toLowerCase().replace(/^0+(?=.)/, '')
  )
    report.problems.push({path: '(all)', problem: `checksum ${report.checksum}, expected ${options.expectChecksum}`})
  report.ok = report.ok && report.problems.length === 0
  const saved = await saveBenchResult(
    graysortValidateResult(report, {
      argv: options.save.argv,
      environment: run.environment,
      phases: recorder.spans,
      nodes: run.nodes,
      parameters: {expectRecords: options.expectRecords, expectChecksum: options.expectChecksum},
    }),
    options.save,
  )
  return {report, nodes: run.nodes, saved}
}

export interface RunJobOptions extends WhereOptions, SortEngineOptions {
  records: number
  mode: 'binary' | 'ascii'
  /** native: the worker's two-pass sort; duckdb: DuckDB (this machine's, or duckdb-3fs on the nodes). */
  impl: 'native' | 'duckdb'
  /** Where `duckdb install` put duckdb-3fs on the nodes (cluster runs with impl duckdb). */
  duckdbBinDir?: string
  cliVersion: string
  save: SaveOptions
}

export async function runJob(options: RunJobOptions, displayFor: DisplayFor): Promise<SavedRun & {report: RunReport}> {
  let recorder = new PhaseRecorder()
  // runGraysort removes its files itself, as its last phase (shown in the display): the session leaves them.
  const run = await inBenchSession(
    {
      cluster: options.cluster,
      nodes: options.nodes,
      dir: options.dir,
      purpose: 'graysort',
      workCleansUp: true,
      cliVersion: options.cliVersion,
      signal: options.signal,
      onLeftover: options.onLeftover,
    },
    async (target) => {
      const {records, mode, partitions, shuffle, memoryBytes, keep, engine, usrbioLibrary, mountPoint, signal} = options
      const runOptions = {
        records,
        mode,
        partitions,
        shuffle,
        memoryBytes,
        keep,
        engine,
        usrbioLibrary,
        mountPoint,
        signal,
      }
      const display = displayFor(target.nodes.length)
      recorder = new PhaseRecorder(display)
      if (options.impl === 'native') return display.around(() => runGraysort(target, runOptions, recorder))
      // DuckDB: @duckdb/node-api on this machine; on a cluster the duckdb-3fs command on every node.
      if (target.local) {
        const {runGraysortDuckdb} = await import('./duckdb.js')
        return display.around(() => runGraysortDuckdb(target, runOptions, recorder))
      }
      const {runGraysortDuckdbCluster} = await import('./duckdb-cluster.js')
      const duckdbCommand = posix.join(options.duckdbBinDir ?? DEFAULT_DUCKDB_BIN_DIR, 'duckdb-3fs')
      return display.around(() => runGraysortDuckdbCluster(target, {...runOptions, duckdbCommand}, recorder))
    },
  )
  const parameters = {
    mode: options.impl === 'duckdb' ? 'ascii' : options.mode,
    shuffle: options.shuffle,
    memoryBytes: options.memoryBytes,
    engineChoice: options.engine,
  }
  const saved = await saveBenchResult(
    graysortRunResult(run.value, {
      argv: options.save.argv,
      environment: run.environment,
      phases: recorder.spans,
      impl: options.impl,
      parameters,
    }),
    options.save,
  )
  return {report: run.value, nodes: run.nodes, saved}
}

export interface PlanJobOptions extends WhereOptions {
  records: number
  /** Plan for this many nodes instead of the real ones. */
  planNodes?: number
  /** Cores and memory per node; what is not given is probed on the nodes (or taken from this machine). */
  cores?: number
  memoryBytes?: number
  partitions?: number
  shuffle: ShuffleChoice
}

/** The plan of a `graysort run`, with the figures of the nodes it would run on; runs nothing. */
export async function planJob(options: PlanJobOptions): Promise<GraysortPlan> {
  let nodes = options.planNodes ?? 1
  if (options.cluster && options.planNodes === undefined) {
    const {selectNodes} = await import('../../config/select.js')
    nodes = (
      options.nodes !== undefined
        ? selectNodes(options.cluster, {nodes: options.nodes})
        : selectNodes(options.cluster, {service: 'client'})
    ).length
  }
  const needProbe = options.cores === undefined || options.memoryBytes === undefined
  const probed = needProbe
    ? await planResources({cluster: options.cluster, nodes: options.nodes, signal: options.signal})
    : undefined
  return planGraysort({
    records: options.records,
    nodes,
    cores: options.cores ?? probed!.cores,
    memoryBytes: options.memoryBytes ?? probed!.memoryBytes,
    partitions: options.partitions,
    shuffle: options.shuffle,
  })
}
