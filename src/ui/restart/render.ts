import {color} from '../colors.js'
import {stepKey, type RestartPlan, type RestartReport} from '../../deploy/restart.js'

export function renderRestartPlan(plan: RestartPlan): string {
  return [
    color.bold(`== Rolling restart of ${plan.cluster}`) + color.dim(' (one node at a time, in this order)'),
    ...plan.steps.map((step, index) =>
      plan.done.includes(stepKey(step))
        ? color.dim(
            `  ${String(index + 1).padStart(3)}. ${step.service.padEnd(8)} ${step.node}  done by the earlier, stopped run: skipped`,
          )
        : `  ${String(index + 1).padStart(3)}. ${step.service.padEnd(8)} ${step.node}${step.nodeId !== undefined ? color.dim(` (id ${step.nodeId})`) : ''}  then wait: ${step.waitFor}`,
    ),
    ...(plan.done.length > 0
      ? [color.dim(`  (an earlier run of this restart stopped; --fresh restarts every node again)`)]
      : []),
  ].join('\n')
}

export function renderRestartReport(report: RestartReport): string {
  const lines = report.skipped.map(
    (step) =>
      `  ${color.dim('skipped')}   ${step.service.padEnd(8)} ${step.node} ${color.dim('(restarted by the earlier run)')}`,
  )
  lines.push(
    ...report.restarted.map(
      (step) =>
        `  ${color.green('restarted')} ${step.service.padEnd(8)} ${step.node} ${color.dim(`${(step.durationMs / 1000).toFixed(1)} s`)}`,
    ),
  )
  if (report.stoppedAt)
    lines.push(
      `  ${color.red('stopped')}   ${report.stoppedAt.step.service.padEnd(8)} ${report.stoppedAt.step.node}: ${report.stoppedAt.reason}`,
    )
  else lines.push(color.green(`restart: ${report.restarted.length} node(s) restarted, every one back before the next.`))
  return lines.join('\n')
}
