/** How `exec` shows each node's output and exit code, then a summary table. */
import type {ExecReport} from '../../nodes/exec.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

export function renderExec(report: ExecReport): string {
  const blocks: string[] = []
  for (const result of report.nodes) {
    const status = result.ok
      ? color.green('ok')
      : result.error
        ? color.red(result.error.kind)
        : result.timedOut
          ? color.red('timeout')
          : color.red(`exit ${result.exitCode}`)
    blocks.push(`${color.bold(`== ${result.node}`)} (${result.host}) ${status} ${color.dim(`${result.durationMs} ms`)}`)
    if (result.stdout) blocks.push(result.stdout.replace(/\n$/, ''))
    if (result.stderr) blocks.push(color.yellow(result.stderr.replace(/\n$/, '')))
    if (result.error)
      blocks.push(color.red(result.error.message), ...result.error.next.map((step) => color.dim(`  -> ${step}`)))
  }
  const {summary} = report
  blocks.push(
    renderTable(
      ['node', 'result', 'exit', 'ms'],
      report.nodes.map((result) => [
        result.node,
        result.ok ? 'ok' : (result.error?.kind ?? (result.timedOut ? 'timeout' : 'failed')),
        result.exitCode ?? '-',
        result.durationMs,
      ]),
    ),
    `${summary.succeeded}/${summary.total} nodes succeeded${summary.failed ? `, ${summary.failed} failed` : ''}${summary.unreachable ? ` (${summary.unreachable} unreachable)` : ''}${summary.timedOut ? `, ${summary.timedOut} timed out` : ''}`,
  )
  return blocks.join('\n')
}
