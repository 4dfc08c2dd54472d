/** How `bench throughput` shows its outcome: one row per node, the aggregate, and engine notes. */
import {formatBytes} from '../../bench/size.js'
import type {ThroughputReport} from '../../bench/throughput/service.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

export function renderThroughput(report: ThroughputReport): string {
  const row = (
    name: string,
    entry: {engine?: string; bandwidthMiBps: number; iops: number; latencyUs: {p50: number; p99: number; p999: number}},
  ) => [
    name,
    entry.engine ?? report.engine,
    entry.bandwidthMiBps.toFixed(1),
    Math.round(entry.iops).toLocaleString('en-US'),
    entry.latencyUs.p50.toFixed(0),
    entry.latencyUs.p99.toFixed(0),
    entry.latencyUs.p999.toFixed(0),
  ]
  const rows = report.nodes.map((node) => row(node.node, node))
  if (report.nodes.length > 1) rows.push(row(color.bold('aggregate'), report.aggregate))
  const w = report.workload
  const lines = [
    `${w.rw} ${formatBytes(w.blockSize)} blocks, depth ${w.iodepth}, ${w.jobs} job${w.jobs === 1 ? '' : 's'} per node, ${formatBytes(w.size)} per job, ${w.direct ? 'direct' : 'buffered'}`,
    renderTable(['node', 'engine', 'MiB/s', 'IOPS', 'p50 us', 'p99 us', 'p99.9 us'], rows),
  ]
  if (report.nodes.length > 1)
    lines.push(
      `aggregate over the ${report.aggregate.windowSeconds} s every node ran; sum of per-node results: ${report.aggregate.sumOfNodesMiBps.toFixed(1)} MiB/s`,
    )
  for (const node of report.nodes) if (node.engineNote) lines.push(color.yellow(`${node.node}: ${node.engineNote}`))
  return lines.join('\n')
}
