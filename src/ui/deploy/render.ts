/** Human views of preflight reports, plans and apply reports. */
import type {ApplyReport} from '../../deploy/apply.js'
import type {planJson} from '../../deploy/plan.js'
import type {PreflightReport} from '../../deploy/preflight.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

export function renderPreflight(report: PreflightReport): string {
  const mark = (status: string) =>
    status === 'ok' ? color.green('ok') : status === 'warn' ? color.yellow('warn') : color.red('FAIL')
  const rows = report.nodes.map((node) => [
    node.node,
    node.host,
    node.services.join(' ') || '-',
    node.ok ? color.green('ready') : color.red('not ready'),
    node.checks
      .filter((check) => check.status !== 'ok')
      .map((check) => `${check.check}: ${mark(check.status)}`)
      .join(', ') || 'all checks ok',
  ])
  const lines = [renderTable(['node', 'host', 'services', 'verdict', 'checks not ok'], rows)]
  const problems = report.nodes.flatMap((node) =>
    node.checks.filter((check) => check.status !== 'ok').map((check) => ({node: node.node, check})),
  )
  if (problems.length > 0) {
    lines.push('')
    for (const {node, check} of problems)
      lines.push(
        `${mark(check.status)} ${color.bold(`${node} ${check.check}`)}: ${check.detail}${check.fix ? `\n     ${color.dim('->')} ${check.fix}` : ''}`,
      )
  }
  lines.push(
    '',
    report.ok
      ? color.green(
          `All ${report.nodes.length} node(s) ready${report.warnings ? ` (${report.warnings} warning(s))` : ''}.`,
        )
      : color.red(`${report.failed} of ${report.nodes.length} node(s) not ready.`),
  )
  return lines.join('\n')
}

export function renderPlan(plan: ReturnType<typeof planJson>): string {
  const lines: string[] = []
  for (const stage of plan.stages) {
    lines.push(color.bold(`== ${stage.name}`) + color.dim(` (${stage.actions} actions on ${stage.nodes} node(s))`))
    const actions = plan.actions.filter((entry) => entry.stage === stage.name)
    // Hundreds of nodes: show each distinct step once with the nodes it runs on.
    const grouped = new Map<string, typeof actions>()
    for (const entry of actions) {
      const key = `${entry.kind.padEnd(15)} ${entry.description}`
      grouped.set(key, [...(grouped.get(key) ?? []), entry])
    }
    for (const [key, entries] of grouped) {
      const nodes = entries.map((entry) => entry.node)
      lines.push(
        `  ${key} ${color.dim(`@ ${nodes.length <= 4 ? nodes.join(', ') : `${nodes.slice(0, 3).join(', ')} and ${nodes.length - 3} more`}`)}`,
      )
      lines.push(...configChanges(entries))
      // An admin_cli wait says what the parsed output must show (the same on every node it runs on).
      if (entries[0]!.expect) lines.push(color.dim(`      until ${entries[0]!.expect.text}`))
    }
  }
  const ids = plan.nodeIds.map(
    (entry) =>
      `${entry.node} ${Object.entries(entry.ids)
        .map(([service, id]) => `${service}=${id}`)
        .join(' ')}`,
  )
  if (ids.length > 0)
    lines.push(
      '',
      color.bold('== Node ids') + color.dim(' (assigned once, recorded beside cluster.yml)'),
      `  ${ids.length <= 12 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${ids.length - 10} more (--json lists all)`}`,
    )
  const table = plan.chainTable.at(-1)
  if (table)
    lines.push(
      `  chain table 1: version ${table.version} with ${table.chains} chains${plan.chainTable.length > 1 ? ` (${table.newChains} new on storage node ids ${table.storageNodeIds.join(', ')})` : ''}`,
    )
  const applied =
    plan.alreadyApplied > 0
      ? ` ${plan.alreadyApplied} more are recorded as applied and not shown (deploy re-checks each node).`
      : ''
  lines.push(
    '',
    `${plan.actions.length} actions in ${plan.stages.length} stages.${applied} --json prints every action with its command and file contents.`,
  )
  return lines.join('\n')
}

/** What a 3FS config file changes against the file 3FS ships: one line per key (values that differ per node say so). */
function configChanges(entries: ReturnType<typeof planJson>['actions']): string[] {
  const config = entries[0]?.config
  if (!config) return []
  const lines = [
    color.dim(
      `      3FS configs/${config.file} at ${config.commit.slice(0, 7)} with ${config.changes.length} key(s) changed:`,
    ),
  ]
  for (const change of config.changes) {
    const values = new Set(
      entries.map((entry) => entry.config?.changes.find((other) => other.key === change.key)?.value),
    )
    lines.push(
      color.dim(`        ${change.key} = ${values.size > 1 ? '(per node)' : change.value}  (3FS: ${change.shipped})`),
    )
  }
  return lines
}

export function renderApply(report: ApplyReport, what: string): string {
  const rows = report.stages.map((stage) => [
    stage.name,
    stage.applied,
    stage.skipped,
    (stage.durationMs / 1000).toFixed(1),
    stage.failed ? color.red('failed') : color.green('ok'),
  ])
  return [
    renderTable(['stage', 'applied', 'already done', 's', 'result'], rows),
    report.changes === 0
      ? color.green(
          `${what}: 0 changes, everything was already applied (${report.skipped} actions checked${report.verified > 0 ? `, ${report.verified} verified again` : ''}).`,
        )
      : color.green(
          `${what}: ${report.changes} change(s), ${report.skipped} already done, ${(report.durationMs / 1000).toFixed(1)} s.`,
        ),
  ].join('\n')
}

/** destroy's result: the stages, then what happened to the node ids recorded beside cluster.yml. */
export function renderDestroy(report: ApplyReport, record: {file: string; nodeIds: string}): string {
  const ids =
    record.nodeIds === 'kept'
      ? `Node ids and chain-table versions kept in ${record.file}: a re-deploy reuses them (destroy --forget-ids forgets them).`
      : record.nodeIds === 'forgotten'
        ? `Node ids and chain-table versions forgotten (${record.file} removed): a re-deploy numbers nodes in cluster.yml order.`
        : 'No node ids were recorded.'
  return `${renderApply(report, 'destroy')}\n${ids}`
}
