/** Turns each bench's own report into a saved result: figures with units and directions, series, phases. */
import type {ValidationReport} from '../graysort/summary.js'
import type {RunReport, SortResult} from '../graysort/service.js'
import {formatBytes} from '../size.js'
import type {NodeThroughput, ThroughputReport} from '../throughput/service.js'
import {mergeHistograms} from '../throughput/latency.js'
import type {BenchResult, Environment, Figure, PhaseSpan} from './model.js'
import {RESULT_SCHEMA_VERSION} from './version.js'

export interface ResultContext {
  argv: string[]
  environment: Environment
  /** Resolved parameters beyond what the report itself holds (flags as given, defaults filled in). */
  parameters?: Record<string, unknown>
  phases?: PhaseSpan[]
  now?: Date
}

const fig = (key: string, label: string, value: number, unit: string, better: Figure['better']): Figure => ({
  key,
  label,
  value,
  unit,
  better,
})

function base(context: ResultContext) {
  return {
    schema: RESULT_SCHEMA_VERSION,
    createdAt: (context.now ?? new Date()).toISOString(),
    argv: context.argv,
    environment: context.environment,
    phases: context.phases ?? [],
  } as const
}

function throughputFigures(
  prefix: string,
  entry: {bandwidthMiBps: number; iops: number; latencyUs: {p50: number; p99: number; p999: number; mean: number}},
): Figure[] {
  return [
    fig(`${prefix}.bandwidthMiBps`, 'bandwidth', entry.bandwidthMiBps, 'MiB/s', 'higher'),
    fig(`${prefix}.iops`, 'IOPS', entry.iops, 'IO/s', 'higher'),
    fig(`${prefix}.latency.p50`, 'latency p50', entry.latencyUs.p50, 'us', 'lower'),
    fig(`${prefix}.latency.p99`, 'latency p99', entry.latencyUs.p99, 'us', 'lower'),
    fig(`${prefix}.latency.p999`, 'latency p99.9', entry.latencyUs.p999, 'us', 'lower'),
    fig(`${prefix}.latency.mean`, 'latency mean', entry.latencyUs.mean, 'us', 'lower'),
  ]
}

export function throughputResult(report: ThroughputReport, context: ResultContext): BenchResult {
  const w = report.workload
  const merged = mergeHistograms(report.nodes.map((node) => node.latencyHistogram))
  return {
    ...base(context),
    kind: 'throughput',
    title: `${w.rw} ${formatBytes(w.blockSize)} x${w.iodepth} x${w.jobs} on ${report.nodes.length} node${report.nodes.length === 1 ? '' : 's'}, ${report.engine}`,
    parameters: {...w, nodes: report.nodes.map((node) => node.node), ...context.parameters},
    engine: report.engine,
    figures: [
      ...throughputFigures('aggregate', report.aggregate),
      fig('aggregate.windowSeconds', 'window', report.aggregate.windowSeconds, 's', 'none'),
    ],
    nodes: report.nodes.map((node: NodeThroughput) => ({
      node: node.node,
      engine: node.engine,
      figures: [
        ...throughputFigures(`node.${node.node}`, node),
        fig(`node.${node.node}.seconds`, 'run time', node.seconds, 's', 'none'),
      ],
    })),
    series: report.nodes.map((node) => ({
      node: node.node,
      startEpochMs: node.startEpochMs,
      bytesPerSecond: node.bytesPerSecond,
    })),
    latencyHistogram: [...merged.entries()].sort((a, b) => a[0] - b[0]),
    report,
  }
}

export function graysortRunResult(report: RunReport, context: ResultContext & {impl?: string}): BenchResult {
  const timing = (phase: string) => report.sort.timings.find((entry) => entry.phase === phase)?.seconds
  const figures = [
    fig('sort.seconds', 'sort time', report.sort.seconds, 's', 'lower'),
    fig('gibPerSecondPerNode', 'sort rate per node', report.gibPerSecondPerNode, 'GiB/s', 'higher'),
    fig('tibPerMinute', 'sort rate', report.tibPerMinute, 'TiB/min', 'higher'),
    fig('gen.seconds', 'generate time', report.input.seconds, 's', 'lower'),
    fig('validate.seconds', 'validate time', report.validation.seconds, 's', 'lower'),
  ]
  for (const phase of ['sample', 'map', 'reduce']) {
    const seconds = timing(phase)
    if (seconds !== undefined) figures.push(fig(`sort.${phase}.seconds`, `${phase} time`, seconds, 's', 'lower'))
  }
  figures.push(
    fig('records', 'records', report.records, 'records', 'none'),
    fig('partitions', 'partitions', report.partitions, 'files', 'none'),
  )
  return {
    ...base(context),
    kind: 'graysort-run',
    title: `graysort ${formatBytes(report.bytes)} on ${report.nodes.length} node${report.nodes.length === 1 ? '' : 's'}, ${context.impl ?? 'native'}, ${report.engine}`,
    parameters: {
      records: report.records,
      bytes: report.bytes,
      partitions: report.partitions,
      nodes: report.nodes,
      ...context.parameters,
    },
    engine: report.engine,
    impl: context.impl ?? 'native',
    verdict: report.verdict,
    figures,
    nodes: nodeFiguresFromPhases(context.phases ?? []),
    series: [],
    latencyHistogram: [],
    report,
  }
}

export function graysortSortResult(result: SortResult, context: ResultContext & {nodes: string[]}): BenchResult {
  const figures = [
    fig('sort.seconds', 'sort time', result.seconds, 's', 'lower'),
    fig(
      'gibPerSecondPerNode',
      'sort rate per node',
      result.bytes / 2 ** 30 / result.seconds / Math.max(1, context.nodes.length),
      'GiB/s',
      'higher',
    ),
    ...result.timings.map((timing) =>
      fig(`sort.${timing.phase}.seconds`, `${timing.phase} time`, timing.seconds, 's', 'lower'),
    ),
    fig('bytes', 'data', result.bytes, 'B', 'none'),
  ]
  return {
    ...base(context),
    kind: 'graysort-sort',
    title: `graysort sort ${formatBytes(result.bytes)} on ${context.nodes.length} node${context.nodes.length === 1 ? '' : 's'}, ${result.engine}`,
    parameters: {bytes: result.bytes, partitions: result.plan.partitions, nodes: context.nodes, ...context.parameters},
    engine: result.engine,
    impl: 'native',
    figures,
    nodes: nodeFiguresFromPhases(context.phases ?? []),
    series: [],
    latencyHistogram: [],
    report: {...result, outputs: undefined, files: result.outputs.length},
  }
}

export function graysortValidateResult(
  report: ValidationReport & {seconds: number},
  context: ResultContext & {nodes: string[]},
): BenchResult {
  return {
    ...base(context),
    kind: 'graysort-validate',
    title: `valsort of ${report.files} file${report.files === 1 ? '' : 's'}, ${report.records.toLocaleString('en-US')} records`,
    parameters: {files: report.files, nodes: context.nodes, ...context.parameters},
    engine: 'native',
    verdict: report.ok ? 'PASS' : 'FAIL',
    figures: [
      fig('validate.seconds', 'validate time', report.seconds, 's', 'lower'),
      fig('records', 'records', report.records, 'records', 'none'),
      fig('duplicates', 'duplicate keys', report.duplicates, 'records', 'none'),
      fig('unordered', 'unordered records', report.unordered, 'records', 'lower'),
    ],
    nodes: nodeFiguresFromPhases(context.phases ?? []),
    series: [],
    latencyHistogram: [],
    report,
  }
}

/** Each node's time in each phase, from the spans the coordinator recorded. */
function nodeFiguresFromPhases(phases: PhaseSpan[]): BenchResult['nodes'] {
  const byNode = new Map<string, Figure[]>()
  for (const span of phases) {
    const figures = byNode.get(span.node) ?? []
    figures.push(
      fig(
        `node.${span.node}.${span.phase}.seconds`,
        `${span.phase} time`,
        (span.endEpochMs - span.startEpochMs) / 1000,
        's',
        'lower',
      ),
    )
    for (const part of span.parts ?? [])
      figures.push(
        fig(
          `node.${span.node}.${span.phase}.${part.name.replaceAll(' ', '-')}.seconds`,
          `${span.phase} ${part.name}`,
          part.seconds,
          's',
          'lower',
        ),
      )
    byNode.set(span.node, figures)
  }
  return [...byNode.entries()].map(([node, figures]) => ({node, figures}))
}
