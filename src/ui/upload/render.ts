/** How `upload` shows what each node received. */
import type {UploadReport} from '../../nodes/upload.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

export function renderUpload(report: UploadReport): string {
  const rows = report.nodes.map((result) => [
    result.node,
    result.ok
      ? result.skipped
        ? 'unchanged'
        : result.modeChanged
          ? color.green('mode set')
          : color.green('sent')
      : color.red(result.error?.kind ?? 'failed'),
    result.bytes ?? '-',
    result.durationMs,
  ])
  const errors = report.nodes
    .filter((result) => result.error)
    .flatMap((result) => [color.red(result.error!.message), ...result.error!.next.map((step) => `  -> ${step}`)])
  const {summary} = report
  return [
    renderTable(['node', 'result', 'bytes', 'ms'], rows),
    ...errors,
    `${report.source} -> ${report.target}: ${summary.sent} sent, ${summary.skipped} unchanged, ${summary.failed} failed`,
  ].join('\n')
}
