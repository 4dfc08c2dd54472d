/** How `bench engines` shows which I/O engines work here and which one auto picks. */
import type {EngineReport} from '../../bench/engines.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

export function renderEngines(report: EngineReport): string {
  return [
    renderTable(
      ['engine', 'works', 'reason'],
      report.engines.map((probe) => [
        probe.engine,
        probe.works ? color.green('yes') : color.red('no'),
        probe.reason ?? '',
      ]),
      [10, 7, 72],
    ),
    `auto uses ${color.bold(report.auto)} in ${report.dir}`,
    color.dim(report.autoReason),
  ].join('\n')
}
