/** What `bench clean` shows: the run directories found, their size and start, and what was removed. */
import type {CleanReport} from '../../bench/clean.js'
import {formatBytes} from '../../bench/size.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

export function renderClean(report: CleanReport, remove: boolean): string {
  if (report.runs.length === 0) return `No run directories left in ${report.searched.join(', ')}.`
  const rows = report.runs.map((run) => [
    run.dir,
    formatBytes(run.bytes),
    run.startedAt,
    ...(remove ? [run.removed ? color.green('removed') : color.red('not removed')] : []),
  ])
  const total = formatBytes(report.runs.reduce((sum, run) => sum + run.bytes, 0))
  return [
    renderTable(['run directory', 'size', 'started', ...(remove ? ['result'] : [])], rows),
    remove
      ? `${report.removed} of ${report.runs.length} removed (${total}).`
      : `${report.runs.length} run director${report.runs.length === 1 ? 'y' : 'ies'}, ${total}. Remove them with --remove.`,
  ].join('\n')
}
