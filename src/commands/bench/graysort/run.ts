import {Flags} from '@oclif/core'

import {rejectSkewMode} from '../../../bench/graysort/modes.js'
import {checkRecords} from '../../../bench/graysort/start.js'
import {RECORD_BYTES, SHUFFLE_CHOICES, planGraysort, type GraysortPlan, type ShuffleChoice} from '../../../bench/graysort/plan.js'
import {SMALLPOND_RUN} from '../../../bench/graysort/report.js'
import {runGraysort, type Phase, type RunReport} from '../../../bench/graysort/service.js'
import type {EngineChoice} from '../../../bench/throughput/service.js'
import {formatBytes, parseSize, SIZE_UNITS_HELP} from '../../../bench/size.js'
import {openTarget} from '../../../bench/target.js'
import {UsageError} from '../../../errors.js'
import {ExitCode} from '../../../exit-codes.js'
import type {Environment} from '../../../bench/results/model.js'
import {BaseCommand, withExitCodes} from '../../../ui/base-command.js'
import {loadOptionalCluster, splitList, targetFlags, threeFsImage} from '../../../ui/bench-flags.js'
import {resultFlags, savedNote} from '../../../ui/bench/result-flags.js'
import {PhaseRecorder} from '../../../bench/results/phases.js'
import {color} from '../../../ui/colors.js'
import {PhaseProgress} from '../../../ui/phase-progress.js'
import {renderTable} from '../../../ui/table.js'
import {availableParallelism, totalmem} from 'node:os'

const PHASES: Phase[] = ['gen', 'sample', 'map', 'reduce', 'validate', 'cleanup']
const TITLES: Record<Phase, string> = {gen: 'Generate input (gensort records)', sample: 'Sample keys, pick splitters', map: 'Map: range-partition', reduce: 'Reduce: sort partitions', validate: 'Validate (valsort)', cleanup: 'Remove run files'}

export default class GraysortRun extends BaseCommand {
  static override summary = 'Generate, sort and validate GraySort data: the whole benchmark in one command.'
  static override description = withExitCodes(
    'Generates gensort-identical records on every node in parallel, sorts them with the native two-pass sort (map: range-partition by sampled splitters; reduce: sort each partition into its own file) and validates the output as valsort does, requiring the output record count and checksum to equal the input\'s. Without -c it runs on this machine in a temporary directory. Exit code 1 when the verdict is FAIL.',
  )

  static override examples = [
    '<%= config.bin %> bench graysort run --size 1GiB',
    '<%= config.bin %> bench graysort run -c cluster.yml --size 1TiB',
    '<%= config.bin %> bench graysort run --plan --size 110.5TiB --plan-nodes 50 --memory 512GiB --cores 64',
  ]

  static override flags = {
    size: Flags.string({description: `Amount of data in 100-byte records, e.g. 1G, 110.5TiB, or 100GB (10^9 records, as sortbenchmark.org counts). ${SIZE_UNITS_HELP}`, exclusive: ['records']}),
    records: Flags.integer({description: 'Number of 100-byte records.', min: 1, exclusive: ['size']}),
    mode: Flags.string({description: 'Record format (gensort default binary, or -a ascii); skew (gensort -s) is not available, see --help.', options: ['binary', 'ascii', 'skew'], default: 'binary'}),
    partitions: Flags.integer({description: 'Number of output partitions (default: from data size, nodes and memory).', min: 1}),
    shuffle: Flags.string({description: 'Between map and reduce: memory (one node that holds the data twice), files (any size), or auto.', options: [...SHUFFLE_CHOICES], default: 'auto'}),
    memory: Flags.string({description: `Memory each node's worker may use (default: 60% of available). ${SIZE_UNITS_HELP}`}),
    keep: Flags.boolean({description: 'Keep input, intermediate and output files.'}),
    engine: Flags.string({description: 'I/O engine for the sort\'s data (auto: usrbio on a 3FS mount, else io_uring, else psync).', options: ['auto', 'usrbio', 'io_uring', 'psync'], default: 'auto'}),
    'usrbio-lib': Flags.string({description: 'Path of libhf3fs_api_shared.so on the nodes (else THREEFS_USRBIO_LIB or the usual 3FS locations).'}),
    mount: Flags.string({description: '3FS mount point, for usrbio (default: the cluster\'s hostMountpoint).'}),
    plan: Flags.boolean({description: 'Print the plan (partitions, memory, files per node) and run nothing.'}),
    'plan-nodes': Flags.integer({description: 'With --plan: plan for this many nodes instead of the real ones.', min: 1, dependsOn: ['plan']}),
    cores: Flags.integer({description: 'With --plan: cores per node to plan for.', min: 1, dependsOn: ['plan']}),
    ...targetFlags,
    impl: Flags.string({description: 'Sorter: native (the two-pass sort of the worker) or duckdb (DuckDB sorts the records in gensort\'s ASCII form with read_csv, ORDER BY and COPY into the same number of key-range files; this machine only, through @duckdb/node-api). Both are checked by the same validator.', options: ['native', 'duckdb'], default: 'native'}),
    ...resultFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GraysortRun)
    rejectSkewMode(flags.mode)
    if (flags.size === undefined && flags.records === undefined) throw new UsageError('give the amount of data with --size or --records', {next: 'For example: 3fs-cli bench graysort run --size 1GiB'})
    const records = flags.records === undefined ? Math.floor(parseSize(flags.size!, '--size', {min: RECORD_BYTES}) / RECORD_BYTES) : checkRecords(flags.records)
    const memoryBytes = flags.memory === undefined ? undefined : parseSize(flags.memory, '--memory')
    const cluster = await loadOptionalCluster(flags.config)

    if (flags.plan) {
      const {selectNodes} = await import('../../../config/select.js')
      const nodes = flags['plan-nodes'] ?? (cluster ? (flags.nodes !== undefined ? selectNodes(cluster, {nodes: splitList(flags.nodes)}) : selectNodes(cluster, {service: 'client'})).length : 1)
      const plan = planGraysort({records, nodes, cores: flags.cores ?? availableParallelism(), memoryBytes: memoryBytes ?? Math.floor(totalmem() * 0.6), partitions: flags.partitions, shuffle: flags.shuffle as ShuffleChoice})
      this.emit(plan, () => renderPlan(plan))
      return
    }

    const target = await openTarget({cluster, nodes: splitList(flags.nodes), dir: flags.dir, purpose: 'graysort', signal: this.signal})
    const progress = new PhaseProgress(PHASES, TITLES, !this.jsonMode)
    const recorder = new PhaseRecorder(progress)
    let report: RunReport
    let environment: Promise<Environment> | undefined
    try {
      const {collectEnvironment} = await import('../../../bench/results/environment.js')
      // Probed while the bench runs: it costs the run's wall time nothing.
      environment = collectEnvironment(target, {cliVersion: this.config.version, threeFsVersion: threeFsImage(cluster), signal: this.signal})
      const sorter = flags.impl === 'duckdb' ? (await import('../../../bench/graysort/duckdb.js')).runGraysortDuckdb : runGraysort
      report = await progress.around(() => sorter(target, {records, mode: flags.mode as 'binary' | 'ascii', partitions: flags.partitions, shuffle: flags.shuffle as ShuffleChoice, memoryBytes, keep: flags.keep, engine: flags.engine as EngineChoice, usrbioLibrary: flags['usrbio-lib'], mountPoint: flags.mount, signal: this.signal}, recorder))
    } finally {
      this.leftoverNote(target.leftover)
      await environment?.catch(() => undefined)
      await target.close()
    }
    const {graysortRunResult} = await import('../../../bench/results/build.js')
    const {recordResult} = await import('../../../bench/results/record.js')
    const saved = await recordResult(graysortRunResult(report, {argv: this.argv, environment: await environment!, phases: recorder.spans, impl: flags.impl, parameters: {mode: flags.impl === 'duckdb' ? 'ascii' : flags.mode, shuffle: flags.shuffle, memoryBytes, engineChoice: flags.engine}}), {out: flags.out, html: flags.html})
    this.emit({...report, resultFile: saved.path, htmlFile: saved.html}, () => `${renderReport(report)}\n${savedNote(saved)}`)
    if (report.verdict !== 'PASS') this.exit(ExitCode.Failure)
  }
}

export function renderPlan(plan: GraysortPlan): string {
  const rows: Array<[string, string | number]> = [
    ['data', `${formatBytes(plan.bytes)} (${plan.records.toLocaleString('en-US')} records)`],
    ['nodes', plan.nodes],
    ['threads per node', plan.threadsPerNode],
    ['memory per node', formatBytes(plan.memoryPerNodeBytes)],
    ['records per node', plan.recordsPerNode.toLocaleString('en-US')],
    ['partitions', `${plan.partitions} (${plan.partitionsPerNode} per node, ~${formatBytes(plan.partitionBytes)} each)`],
    ['map runs per node', `${plan.mapRunsPerNode} of up to ${formatBytes(plan.mapRunBytes)}`],
    ['shuffle', plan.shuffle === 'memory' ? 'in memory (one node holds the data twice over)' : 'map run files on the shared filesystem'],
    ['files', `${plan.files.input} input, ${plan.files.map} map (runs + index per node), ${plan.files.output} output`],
  ]
  return [renderTable(['plan', ''], rows), ...plan.warnings.map((warning) => `${color.yellow('Warning:')} ${warning}`)].join('\n')
}

function renderReport(report: RunReport): string {
  const phase = (name: string) => report.sort.timings.find((timing) => timing.phase === name)?.seconds.toFixed(2) ?? '-'
  const rows: Array<[string, string | number]> = [
    ['verdict', report.verdict === 'PASS' ? color.green('PASS') : color.red('FAIL')],
    ['nodes', report.nodes.join(', ')],
    ['data', `${formatBytes(report.bytes)} (${report.records.toLocaleString('en-US')} records)`],
    ['partitions', report.partitions],
    ['engine', report.engine],
    ['generate', `${report.input.seconds.toFixed(2)} s`],
    ['sort (input files to output files)', `${report.sort.seconds.toFixed(2)} s: sample ${phase('sample')} + map ${phase('map')} + reduce ${phase('reduce')}`],
    ['validate', `${report.validation.seconds.toFixed(2)} s`],
    ['throughput', `${report.tibPerMinute.toFixed(4)} TiB/min, ${report.gibPerSecondPerNode.toFixed(3)} GiB/s per node`],
    ['vs smallpond on 3FS', `${(report.gibPerSecondPerNode / SMALLPOND_RUN.gibPerSecondPerNode).toFixed(2)}x its ${SMALLPOND_RUN.gibPerSecondPerNode.toFixed(2)} GiB/s per node`],
    ['checksum', `${report.validation.checksum} (input ${report.input.checksum})`],
    ['duplicate keys', report.validation.duplicates],
  ]
  const lines = [renderTable(['graysort', ''], rows)]
  for (const reason of report.reasons) lines.push(color.red(`  - ${reason}`))
  if (report.kept) lines.push(`Files kept in ${report.dir}`)
  return lines.join('\n')
}
