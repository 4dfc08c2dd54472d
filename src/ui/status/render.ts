/** The human view of a status report: verdict line, problems with their next step, then tables. */
import type {Problem, StatusReport} from '../../status/judge.js'
import type {NodeState} from '../../status/node-state.js'
import type {NodeSyncProgress} from '../../status/progress.js'
import {formatBytes as sizeText} from '../../status/rules/chains.js'
import type {StatusResult} from '../../status/service.js'
import {formatBytes} from '../../bench/size.js'
import {color} from '../colors.js'
import {renderTable} from '../table.js'

/** Rows of chains/targets listed by default; the rest is summarized (clusters have tens of thousands). */
const LIST_LIMIT = 20

/** The --json object of one round; under --watch it carries the sync progress since the round before. */
export function statusJson(result: StatusResult, progress?: NodeSyncProgress[]): object {
  return {...result.report, source: result.source, durationMs: result.durationMs, ...(progress ? {progress} : {})}
}

export function renderStatus(result: StatusResult, options: {all: boolean; progress?: NodeSyncProgress[]}): string {
  const {report} = result
  const blocks: string[] = [headline(result)]
  const basis = renderBasis(report)
  if (basis) blocks.push(color.dim(basis))
  if (report.problems.length > 0) blocks.push('', color.bold('Problems'), ...report.problems.map(renderProblem))
  if (options.progress && options.progress.length > 0)
    blocks.push('', color.bold('Sync progress since the last round'), ...options.progress.map(renderSyncProgress))
  if (report.grafana)
    blocks.push(
      `Grafana: ${report.grafana.url} (dashboard "3FS overview (3fs-cli)"): /api/health ${report.grafana.health.ok ? 'ok' : report.grafana.health.detail}`,
    )
  blocks.push('', color.bold('Nodes'), renderNodes(report.nodes))
  if (report.services.length > 0) {
    blocks.push(
      '',
      color.bold('3FS services (admin_cli list-nodes)'),
      renderTable(
        ['id', 'type', 'status', 'node', 'last heartbeat', 'config'],
        report.services.map((row) => [
          row.id,
          row.type,
          paint(row.status, row.status === 'HEARTBEAT_CONNECTED' || row.status === 'PRIMARY_MGMTD'),
          row.node ?? row.hostname,
          row.lastHeartbeat,
          row.configVersion,
        ]),
      ),
    )
  }
  if (report.chains.length > 0) {
    const shown = options.all
      ? report.chains
      : report.chains.filter(
          (chain) => chain.status !== 'SERVING' || (chain.serving && chain.serving.up < chain.serving.total),
        )
    blocks.push('', color.bold(`Chains: ${countBy(report.chains.map(chainStatus))}`))
    if (shown.length > 0) {
      const limited = options.all ? shown : shown.slice(0, LIST_LIMIT)
      blocks.push(
        renderTable(
          ['chain', 'status', 'targets'],
          limited.map((chain) => [
            chain.chainId,
            paint(
              chainStatus(chain),
              chain.status === 'SERVING' && (!chain.serving || chain.serving.up === chain.serving.total),
            ),
            chain.targets.map((target) => `${target.id}(${target.publicState}-${target.localState})`).join(' '),
          ]),
        ),
      )
      if (limited.length < shown.length)
        blocks.push(
          color.dim(`... and ${shown.length - limited.length} more (--all lists every chain, --json has them all)`),
        )
    }
  }
  if (report.targets.length > 0) {
    blocks.push(
      '',
      color.bold(`Targets: ${countBy(report.targets.map((target) => `${target.publicState}-${target.localState}`))}`),
    )
    const bad = report.targets.filter((target) => options.all || target.publicState !== 'SERVING')
    if (bad.length > 0) {
      const limited = options.all ? bad : bad.slice(0, LIST_LIMIT)
      blocks.push(
        renderTable(
          ['target', 'chain', 'role', 'state', 'node', 'disk', 'used'],
          limited.map((target) => [
            target.targetId,
            target.chainId,
            target.role,
            paint(`${target.publicState}-${target.localState}`, target.publicState === 'SERVING'),
            target.node ?? `node id ${target.nodeId}`,
            target.diskIndex ?? '',
            target.usedSize,
          ]),
        ),
      )
      if (limited.length < bad.length) blocks.push(color.dim(`... and ${bad.length - limited.length} more`))
    }
  }
  if (report.chainTables.length > 0)
    blocks.push(
      '',
      `Chain tables: ${report.chainTables.map((table) => `${table.tableId} v${table.version ?? '?'} (${table.chainCount ?? '?'} chains x ${table.replicaCount ?? '?'} replicas${table.desc ? `, ${table.desc}` : ''})`).join('; ')}`,
    )
  if (report.clients.length > 0 || report.services.length > 0)
    blocks.push(`Clients with a session: ${report.clients.length}`)
  if (report.fdb)
    blocks.push(
      `FoundationDB: ${report.fdb.parsed ? `${report.fdb.available ? color.green('available') : color.red('unavailable')}, ${report.fdb.healthy ? 'healthy' : color.yellow('not healthy')}${report.fdb.processes !== undefined ? `, ${report.fdb.processes} processes` : ''}` : color.red(`no status (${report.fdb.error})`)}`,
    )
  return blocks.join('\n')
}

/** `node1 (storage 10001): 3 syncing, 2 waiting (was 4 syncing, 2 waiting); 1 target back to SERVING; 20.0 GiB of 40.0 GiB copied, 50% (+12.0 GiB)` */
export function renderSyncProgress(progress: NodeSyncProgress): string {
  const counts = (entry: {syncing: number; waiting: number; offline: number}) => {
    const parts = [
      entry.syncing ? `${entry.syncing} syncing` : '',
      entry.waiting ? `${entry.waiting} waiting` : '',
      entry.offline ? `${entry.offline} offline` : '',
    ].filter(Boolean)
    return parts.length ? parts.join(', ') : 'all serving'
  }
  const parts = [
    `${progress.node}${progress.nodeId !== undefined && !progress.node.startsWith('storage node id') ? ` (storage ${progress.nodeId})` : ''}: ${counts(progress)}${progress.before ? ` (was ${counts(progress.before)})` : ''}`,
  ]
  if (progress.backToServing)
    parts.push(`${progress.backToServing} target${progress.backToServing === 1 ? '' : 's'} back to SERVING`)
  if (progress.goalBytes) {
    // The same units as the problem text (rules/chains.ts), so both read alike.
    const since =
      progress.copiedSinceBytes !== undefined && progress.copiedSinceBytes >= 0
        ? ` (+${sizeText(progress.copiedSinceBytes)})`
        : ''
    parts.push(
      `${sizeText(progress.syncedBytes ?? 0)} of ${sizeText(progress.goalBytes)} copied, ${progress.percent}%${since}`,
    )
  }
  return `  ${parts.join('; ')}`
}

/** What the verdict rests on when not every admin_cli view answered. */
export function renderBasis(report: StatusReport): string | undefined {
  const {basis} = report
  if (!basis || basis.failed.length === 0) return undefined
  const where = basis.asked ? ` on ${basis.asked}` : ''
  const answered = basis.answered.length ? `judged from ${basis.answered.join(', ')}` : 'no view answered'
  return `admin_cli${where}: ${answered}; ${basis.failed.map((entry) => entry.command).join(', ')} failed${basis.chainsFrom ? ' (chains rebuilt from list-targets)' : ''}`
}

function headline(result: StatusResult): string {
  const {report} = result
  const verdict =
    report.verdict === 'HEALTHY'
      ? color.green(report.verdict)
      : report.verdict === 'DEGRADED'
        ? color.yellow(report.verdict)
        : color.red(report.verdict)
  const {summary} = report
  const parts = [`${summary.reachable}/${summary.nodes} nodes reachable`]
  if (summary.chains > 0) parts.push(`${summary.servingChains}/${summary.chains} chains serving`)
  if (summary.mounts > 0) parts.push(`${summary.mountsOk}/${summary.mounts} mounts ok`)
  const source =
    result.source.kind === 'capture'
      ? ` from capture ${result.source.dir}${result.source.capturedAt ? ` (${result.source.capturedAt})` : ''}`
      : ''
  return `${color.bold(`3FS cluster ${report.cluster}:`)} ${verdict}  ${color.dim(`${parts.join(', ')}; ${report.problems.length} problem(s)${source}; ${result.durationMs} ms`)}`
}

function renderProblem(problem: Problem): string {
  const tag =
    problem.severity === 'critical'
      ? color.red('CRITICAL')
      : problem.severity === 'error'
        ? color.red('ERROR   ')
        : color.yellow('WARNING ')
  return `${tag} ${color.bold(problem.subject)}: ${problem.cause}\n         ${color.dim('->')} ${problem.next}`
}

function renderNodes(nodes: NodeState[]): string {
  return renderTable(
    ['node', 'ids', 'host', 'ssh', 'services', 'mount', 'disks'],
    nodes.map((node) => [
      node.name,
      Object.entries(node.ids ?? {})
        .map(([service, id]) => `${service}=${id}`)
        .join(' ') || '-',
      node.host,
      node.reachable ? color.green('ok') : color.red(node.error?.kind ?? 'not captured'),
      // Running services by name, others with their state: short enough for a wide cluster.
      node.containers
        .map(
          (entry) =>
            (entry.state === 'running'
              ? color.green(entry.service) +
                color.dim(entry.uptimeSeconds !== undefined ? ` ${span(entry.uptimeSeconds)}` : '')
              : color.red(`${entry.service}(${entry.state})`)) +
            (entry.restarts ? color.yellow(`[${entry.restarts} restarts]`) : ''),
        )
        .join(' ') || (node.services.length ? `${node.services.join(' ')} (not checked)` : '-'),
      node.mount ? mountCell(node.mount) : '-',
      node.disks.length ? node.disks.map((disk) => diskCell(disk)).join(', ') : '-',
    ]),
  )
}

/** Uptime in its largest unit: 45s, 12m, 5h, 3d. */
function span(seconds: number): string {
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`
  return `${Math.round(seconds / 86_400)}d`
}

function mountCell(mount: NonNullable<NodeState['mount']>): string {
  if (!mount.mounted) return color.red('not mounted')
  const usage = mount.sizeBytes ? ` ${formatBytes(mount.usedBytes ?? 0)}/${formatBytes(mount.sizeBytes)}` : ''
  const probe =
    mount.probe === 'ok' ? ` ${mount.probeMs ?? '?'} ms` : mount.probe === 'failed' ? color.red(' no answer') : ''
  return `${paint(mount.fstype ?? '?', mount.fstype === 'fuse.hf3fs')}${usage}${probe}`
}

function diskCell(disk: NodeState['disks'][number]): string {
  if (!disk.exists) return color.red('missing')
  if (!disk.mounted) return color.yellow('not mounted')
  return `${disk.fstype}${disk.sizeBytes ? ` ${Math.round(((disk.usedBytes ?? 0) / disk.sizeBytes) * 100)}%` : ''}`
}

function paint(text: string, good: boolean): string {
  return good ? color.green(text) : color.red(text)
}

function chainStatus(chain: StatusReport['chains'][number]): string {
  return chain.serving ? `${chain.status}(${chain.serving.up}/${chain.serving.total})` : chain.status
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return [...counts].map(([value, count]) => `${count} ${value}`).join(', ')
}

export type {StatusReport}
