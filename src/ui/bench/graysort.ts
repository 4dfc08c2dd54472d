/** How the GraySort commands show their outcome: plan, run verdict, sort, validation and generated files. */
import {SMALLPOND_RUN} from '../../bench/graysort/report.js'
import type {GenerateResult, Phase, RunReport, SortResult} from '../../bench/graysort/service.js'
import type {GraysortPlan} from '../../bench/graysort/plan.js'
import type {ValidationReport} from '../../bench/graysort/summary.js'
import {formatBytes} from '../../bench/size.js'
import {color} from '../colors.js'
import {PhaseProgress} from '../phase-progress.js'
import {renderTable} from '../table.js'

export const RUN_PHASES: Phase[] = ['gen', 'sample', 'map', 'reduce', 'validate', 'cleanup']
export const PHASE_TITLES: Record<Phase, string> = {
  gen: 'Generate input (gensort records)',
  sample: 'Sample keys, pick splitters',
  map: 'Map: range-partition',
  reduce: 'Reduce: sort partitions',
  validate: 'Validate (valsort)',
  cleanup: 'Remove run files',
}

/** The listr display of a graysort run's phases (silent when `enabled` is false, as in --json mode). */
export function graysortProgress(enabled: boolean, phases: Phase[] = RUN_PHASES): PhaseProgress<Phase> {
  return new PhaseProgress(phases, PHASE_TITLES, enabled)
}

export function renderPlan(plan: GraysortPlan): string {
  const rows: Array<[string, string | number]> = [
    ['data', `${formatBytes(plan.bytes)} (${plan.records.toLocaleString('en-US')} records)`],
    ['nodes', plan.nodes],
    ['threads per node', plan.threadsPerNode],
    ['memory per node', formatBytes(plan.memoryPerNodeBytes)],
    ['records per node', plan.recordsPerNode.toLocaleString('en-US')],
    [
      'partitions',
      `${plan.partitions} (${plan.partitionsPerNode} per node, ~${formatBytes(plan.partitionBytes)} each)`,
    ],
    ['map runs per node', `${plan.mapRunsPerNode} of up to ${formatBytes(plan.mapRunBytes)}`],
    [
      'shuffle',
      plan.shuffle === 'memory'
        ? 'in memory (one node holds the data twice over)'
        : plan.shuffle === 'auto'
          ? 'in memory, or map run files where freed memory goes back to the host (decided on the node)'
          : 'map run files on the shared filesystem',
    ],
    ['files', `${plan.files.input} input, ${plan.files.map} map (runs + index per node), ${plan.files.output} output`],
  ]
  return [
    renderTable(['plan', ''], rows),
    ...plan.warnings.map((warning) => `${color.yellow('Warning:')} ${warning}`),
  ].join('\n')
}

export function renderRunReport(report: RunReport): string {
  const phase = (name: string) => report.sort.timings.find((timing) => timing.phase === name)?.seconds.toFixed(2) ?? '-'
  const rows: Array<[string, string | number]> = [
    ['verdict', report.verdict === 'PASS' ? color.green('PASS') : color.red('FAIL')],
    ['nodes', report.nodes.join(', ')],
    ['data', `${formatBytes(report.bytes)} (${report.records.toLocaleString('en-US')} records)`],
    ['partitions', report.partitions],
    ['engine', report.engine],
    ['generate', `${report.input.seconds.toFixed(2)} s`],
    [
      'sort (input files to output files)',
      `${report.sort.seconds.toFixed(2)} s: sample ${phase('sample')} + map ${phase('map')} + reduce ${phase('reduce')}`,
    ],
    ['validate', `${report.validation.seconds.toFixed(2)} s`],
    [
      'throughput',
      `${report.tibPerMinute.toFixed(4)} TiB/min, ${report.gibPerSecondPerNode.toFixed(3)} GiB/s per node`,
    ],
    [
      'vs smallpond on 3FS',
      `${(report.gibPerSecondPerNode / SMALLPOND_RUN.gibPerSecondPerNode).toFixed(2)}x its ${SMALLPOND_RUN.gibPerSecondPerNode.toFixed(2)} GiB/s per node`,
    ],
    ['checksum', `${report.validation.checksum} (input ${report.input.checksum})`],
    ['duplicate keys', report.validation.duplicates],
  ]
  const lines = [renderTable(['graysort', ''], rows)]
  for (const reason of report.reasons) lines.push(color.red(`  - ${reason}`))
  if (report.kept) lines.push(`Files kept in ${report.dir}`)
  return lines.join('\n')
}

export function renderSort(result: SortResult, output: string, nodes: number): string {
  return renderTable(
    ['sort', ''],
    [
      ['data', formatBytes(result.bytes)],
      ['partitions', `${result.plan.partitions} files in ${output}`],
      [
        'time',
        `${result.seconds.toFixed(2)} s (${result.timings.map((timing) => `${timing.phase} ${timing.seconds.toFixed(2)}`).join(', ')})`,
      ],
      ['throughput', `${(result.bytes / 2 ** 30 / result.seconds / nodes).toFixed(3)} GiB/s per node`],
      ['shuffle', shuffleLine(result)],
    ],
  )
}

function shuffleLine(result: SortResult): string {
  const how = result.shuffle === 'memory' ? 'in memory' : 'through map run files'
  if (result.memoryReturnedToHost === undefined) return how
  return result.memoryReturnedToHost
    ? `${how} (this VM gives freed memory back to its host: every new page would be a host fault)`
    : `${how} (auto)`
}

export function renderGenerate(result: GenerateResult, records: number): string {
  return `${result.files.length} file${result.files.length === 1 ? '' : 's'}, ${records.toLocaleString('en-US')} records (${formatBytes(records * 100)}), checksum ${result.checksum}, ${result.seconds.toFixed(2)} s`
}

export function renderValidation(report: ValidationReport & {seconds: number}): string {
  const lines = [
    renderTable(
      ['valsort', ''],
      [
        ['result', report.ok ? color.green('SUCCESS - all records are in order') : color.red('FAILED')],
        ['files', report.files],
        ['records', report.records.toLocaleString('en-US')],
        ['checksum', report.checksum],
        ['duplicate keys', report.duplicates],
        [
          'unordered records',
          report.unordered + (report.firstUnordered >= 0 ? ` (first: record ${report.firstUnordered})` : ''),
        ],
        ['time', `${report.seconds.toFixed(2)} s`],
      ],
    ),
  ]
  for (const problem of report.problems) lines.push(color.red(`  ${problem.path}: ${problem.problem}`))
  return lines.join('\n')
}
