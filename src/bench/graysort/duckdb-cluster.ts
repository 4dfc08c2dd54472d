/**
 * GraySort with DuckDB as the sorter on a cluster, the seed's own method measured on the user's nodes:
 * the records in gensort's ASCII form on the 3FS mount, key ranges from the worker's sample (as the native
 * sort takes them), and on every node the `duckdb-3fs` command that `duckdb install` put there reading
 * its key range of every input through the threefs extension (3fs:// paths, usrbio), sorting it with
 * ORDER BY and writing one file per partition with COPY. The same validator checks the result.
 */
import {posix} from 'node:path'

import {UserError} from '../../errors.js'
import {fanOut, valuesOrThrow} from '../../remote/fanout.js'
import {shellQuote} from '../../remote/shell.js'
import {threefsUrl} from '../../duckdb/verify.js'
import type {BenchTarget} from '../target.js'
import {runWorker} from '../worker.js'
import {sampleArgv, splittersArgv} from '../worker-protocol.js'
import {planGraysort, type GraysortPlan} from './plan.js'
import {
  generateInput,
  validateFiles,
  runReport,
  type GraysortReporter,
  type PhaseTiming,
  type RunOptions,
  type RunReport,
} from './service.js'

const KEY_BYTES = 10
/** Keys sampled per input file for the splitters (the native sort's default, main.cc sort-node). */
const SAMPLE_PER_FILE = 10_000

export interface DuckdbClusterOptions extends RunOptions {
  /** Where `duckdb install` put the duckdb-3fs command on the nodes. */
  duckdbCommand: string
}

const sql = (text: string) => `'${text.replace(/'/g, "''")}'`

/** The node's key range and partitions as SQL bounds: [lower, upper) on the whole line (keys are its first 10 bytes). */
export function bound(column: string, lower: string | undefined, upper: string | undefined): string {
  const parts = [
    ...(lower === undefined ? [] : [`${column} >= ${sql(lower)}`]),
    ...(upper === undefined ? [] : [`${column} < ${sql(upper)}`]),
  ]
  return parts.length === 0 ? 'true' : parts.join(' AND ')
}

/**
 * One node's script: read its key range of every input into a table (the "map": every node reads all
 * inputs, keeping only its range), then per partition ORDER BY and COPY (the "reduce"). `.timer on` gives
 * each statement's time; a line is one 98-character record, CRLF being the line end (\x01 never occurs).
 */
export function nodeSortSql(options: {
  inputs: string[]
  outputs: string[]
  splitters: string[]
  firstPartition: number
  endPartition: number
  threads: number
}): string {
  const {splitters, firstPartition, endPartition} = options
  const lowerOf = (partition: number) => (partition === 0 ? undefined : splitters[partition - 1])
  const upperOf = (partition: number) => splitters[partition]
  const files = `[${options.inputs.map((file) => sql(threefsUrl(file))).join(', ')}]`
  const csv = "delim '\\x01', quote '', escape '', header false, new_line '\\r\\n'"
  return [
    '.timer on',
    '.mode csv',
    '.headers off',
    `SET threads = ${options.threads};`,
    `CREATE TABLE records AS SELECT line FROM read_csv(${files}, columns={'line': 'VARCHAR'}, delim='\\x01', quote='', escape='', header=false, new_line='\\r\\n', strict_mode=false, parallel=true) WHERE ${bound('line', lowerOf(firstPartition), upperOf(endPartition - 1))};`,
    ...options.outputs
      .slice(firstPartition, endPartition)
      .map(
        (file, index) =>
          `COPY (SELECT line FROM records WHERE ${bound('line', lowerOf(firstPartition + index), upperOf(firstPartition + index))} ORDER BY line) TO ${sql(threefsUrl(file))} (FORMAT csv, ${csv});`,
      ),
    `SELECT 'records', count(*) FROM records;`,
    '',
  ].join('\n')
}

/** The statement times (`Run Time (s): real X`) and the record count the script's last line prints. */
export function parseNodeSortOutput(output: string): {seconds: number[]; records?: number} {
  const seconds: number[] = []
  let records: number | undefined
  for (const line of output.split('\n')) {
    const timer = /Run Time \(s\): real ([\d.]+)/.exec(line)
    if (timer) seconds.push(Number(timer[1]))
    const count = /^records,(\d+)\s*$/.exec(line.trim())
    if (count) records = Number(count[1])
  }
  return {seconds, records}
}

/** Reads the worker's raw splitter file (10-byte keys, ascending) as strings of the ASCII keys. */
async function readSplitters(target: BenchTarget, file: string, signal?: AbortSignal): Promise<string[]> {
  const result = await target.nodes[0]!.host.run(['base64', '-w0', '--', file], {check: true, signal})
  const bytes = Buffer.from(result.stdout.trim(), 'base64')
  if (bytes.length % KEY_BYTES !== 0) throw new Error(`${file} holds ${bytes.length} bytes, not whole 10-byte keys`)
  const keys: string[] = []
  for (let at = 0; at < bytes.length; at += KEY_BYTES) keys.push(bytes.subarray(at, at + KEY_BYTES).toString('latin1'))
  return keys
}

async function checkDuckdbCommand(target: BenchTarget, command: string, signal?: AbortSignal): Promise<void> {
  const missing = valuesOrThrow(
    await fanOut(
      target.nodes,
      async (node) =>
        (await node.host.run(`test -x ${shellQuote(command)}`, {signal})).exitCode === 0 ? [] : [node.name],
      {concurrency: target.nodes.length, signal},
    ),
  ).flat()
  if (missing.length > 0)
    throw new UserError(`${missing.join(', ')}: no ${command} (the DuckDB with the threefs extension) to sort with`, {
      next: [
        'Install it first: 3fs-cli duckdb build -c cluster.yml && 3fs-cli duckdb install -c cluster.yml',
        'or name where it is with --duckdb-bin-dir.',
      ],
    })
}

export async function runGraysortDuckdbCluster(
  target: BenchTarget,
  options: DuckdbClusterOptions,
  reporter: GraysortReporter = {},
): Promise<RunReport> {
  const signal = options.signal
  const dir = (name: string) => posix.join(target.dir, name)
  try {
    await checkDuckdbCommand(target, options.duckdbCommand, signal)
    const input = await generateInput(
      target,
      {dir: dir('input'), start: 0n, records: options.records, mode: 'ascii', signal},
      reporter,
    )
    const plan: GraysortPlan = planGraysort({
      records: options.records,
      nodes: target.nodes.length,
      cores: Math.min(...target.nodes.map((node) => node.cores)),
      memoryBytes: options.memoryBytes ?? Math.min(...target.nodes.map((node) => node.memoryBytes)),
      partitions: options.partitions,
      shuffle: 'files',
    })
    const outputs = Array.from({length: plan.partitions}, (_, partition) =>
      posix.join(dir('output'), `part-${String(partition).padStart(5, '0')}.dat`),
    )
    const first = target.nodes[0]!
    await first.host.run(['mkdir', '-p', dir('output'), dir('work')], {check: true, signal})

    // Key ranges as the native sort takes them: a sample of every input, pooled, split evenly.
    reporter.phaseStarted?.('sample', 1)
    const sampleStart = Date.now()
    const samplesFile = dir('work/sample.keys')
    const splittersFile = dir('work/splitters.keys')
    await runWorker({
      host: first.host,
      binary: first.worker,
      phase: 'sample',
      signal,
      result: 'sample',
      args: sampleArgv({inputs: input.files, perFile: SAMPLE_PER_FILE, output: samplesFile}),
    })
    await runWorker({
      host: first.host,
      binary: first.worker,
      phase: 'sample',
      signal,
      result: 'splitters',
      args: splittersArgv({samples: [samplesFile], partitions: plan.partitions, output: splittersFile}),
    })
    const splitters = await readSplitters(target, splittersFile, signal)
    if (splitters.length !== plan.partitions - 1)
      throw new Error(`the worker wrote ${splitters.length} splitters for ${plan.partitions} partitions`)
    const sampleSeconds = (Date.now() - sampleStart) / 1000
    reporter.nodePhase?.('sample', first.name, sampleStart, Date.now())
    reporter.phaseFinished?.('sample', sampleSeconds)

    // Every node sorts its partitions at once; each node's map is its first statement, its reduce the rest.
    reporter.phaseStarted?.('map', target.nodes.length)
    const sortStart = Date.now()
    const perNode = valuesOrThrow(
      await fanOut(
        target.nodes.map((node, index) => ({...node, assignment: plan.assignments[index]!})),
        async (node, nodeSignal) => {
          const assignment = node.assignment
          const started = Date.now()
          const script = nodeSortSql({
            inputs: input.files,
            outputs,
            splitters,
            firstPartition: assignment.firstPartition,
            endPartition: assignment.endPartition,
            threads: node.cores,
          })
          const result = await node.host.run(shellQuote(options.duckdbCommand), {
            stdin: script,
            signal: nodeSignal,
            timeoutMs: 24 * 3600_000,
            label: 'graysort duckdb',
          })
          if (result.exitCode !== 0)
            throw new UserError(`${node.name}: ${options.duckdbCommand} failed (exit ${result.exitCode})`, {
              next: `Its last words: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`,
            })
          const parsed = parseNodeSortOutput(result.stdout)
          const ended = Date.now()
          // Statement times: SET, CREATE TABLE (map), one COPY per partition (reduce), the count.
          const mapSeconds = parsed.seconds[1] ?? 0
          const mapEnd = Math.min(ended, started + Math.round(mapSeconds * 1000))
          reporter.nodePhase?.('map', node.name, started, mapEnd)
          reporter.nodePhase?.('reduce', node.name, mapEnd, ended)
          return {records: parsed.records, mapSeconds, seconds: (ended - started) / 1000}
        },
        {concurrency: target.nodes.length, failFast: true, signal},
      ),
    )
    const sortSeconds = (Date.now() - sortStart) / 1000
    const mapSeconds = Math.max(...perNode.map((entry) => entry.mapSeconds))
    reporter.phaseFinished?.('map', mapSeconds)
    reporter.phaseStarted?.('reduce', target.nodes.length)
    reporter.phaseFinished?.('reduce', sortSeconds - mapSeconds)
    const timings: PhaseTiming[] = [
      {phase: 'sample', seconds: sampleSeconds},
      {phase: 'map', seconds: mapSeconds},
      {phase: 'reduce', seconds: sortSeconds - mapSeconds},
    ]
    const seconds = sampleSeconds + sortSeconds
    const validation = await validateFiles(target, outputs, reporter, signal)
    const counted = perNode.reduce((sum, entry) => sum + (entry.records ?? 0), 0)
    return runReport({
      engine: 'duckdb-3fs',
      nodes: target.nodes.map((node) => node.name),
      records: options.records,
      partitions: plan.partitions,
      input,
      sort: {seconds, timings},
      validation,
      reasons:
        counted === options.records
          ? []
          : [`the nodes' key ranges held ${counted} records, the input ${options.records}`],
      dir: target.dir,
      kept: options.keep,
    })
  } finally {
    if (!options.keep) {
      reporter.phaseStarted?.('cleanup', 1)
      await target.removeRunDir()
      reporter.phaseFinished?.('cleanup', 0)
    }
  }
}
