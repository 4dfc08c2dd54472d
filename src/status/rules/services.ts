/**
 * 3FS services as mgmtd lists them (list-nodes): heartbeats, config versions, and services cluster.yml
 * expects that never registered.
 */
import type {ServiceName} from '../../config/schema.js'
import type {NodeRow} from '../../cluster/admin-cli-output.js'
import {onNode, type Problem, type RuleContext} from './types.js'

export interface ClusterServiceRow extends NodeRow {
  /** The cluster.yml node this 3FS node runs on, when its hostname matches one. */
  node?: string
  /** True when mgmtd holds a newer config version for this node type than the service runs (see configProblem). */
  configStale?: boolean
}

export const TYPE_OF_SERVICE: Partial<Record<ServiceName, string>> = {mgmtd: 'MGMTD', meta: 'META', storage: 'STORAGE'}

export function isUp(status: string): boolean {
  return status === 'HEARTBEAT_CONNECTED' || status === 'PRIMARY_MGMTD'
}

/**
 * mgmtd's latest config version per node type, as far as list-nodes shows it: a version printed with a
 * state in parentheses is the latest one for its type (client/cli/admin/ListNodes.cc:33-56).
 */
export function latestConfigVersions(rows: NodeRow[]): Map<string, number> {
  const latest = new Map<string, number>()
  for (const row of rows) {
    if (row.configState === undefined || row.configVersionNumber === undefined) continue
    latest.set(row.type, Math.max(latest.get(row.type) ?? 0, row.configVersionNumber))
  }
  return latest
}

/** Marks services whose bare config version is older than the latest of their type. */
export function markStaleConfigs(rows: ClusterServiceRow[]): ClusterServiceRow[] {
  const latest = latestConfigVersions(rows)
  return rows.map((row) => {
    const newest = latest.get(row.type)
    const stale =
      row.configState === undefined &&
      row.configVersionNumber !== undefined &&
      newest !== undefined &&
      row.configVersionNumber < newest
    return stale ? {...row, configStale: true, configUpToDate: false} : row
  })
}

function configProblem(
  row: ClusterServiceRow,
  rows: ClusterServiceRow[],
  subject: string,
  logs: string,
  context: RuleContext,
): Problem | undefined {
  const type = row.type
  const upload = `admin_cli set-config --type ${type} --file <${type.toLowerCase()}_main.toml>`
  if (row.configStale) {
    // mgmtd counts a version below the latest as STALE (mgmtd/background/MgmtdMetricsUpdater.cc:91-95).
    const newest = latestConfigVersions(rows).get(type)
    return {
      severity: 'warning',
      subject,
      cause: `runs ${type} config version ${row.configVersionNumber} while mgmtd holds version ${newest} (its peers show ${newest}(...)): it has not taken the latest config`,
      next: `Restart the service so it loads version ${newest} from mgmtd, then check with status again; if it stays behind, ${logs}`,
    }
  }
  if (row.configState === 'DIRTY') {
    // DIRTY: the service's running config differs from what mgmtd's copy renders to; 3FS logs the keys
    // as "Config has diffs" (common/app/ConfigManager.cc:49-58).
    return {
      severity: 'warning',
      subject,
      cause: `config version ${row.configVersionNumber} is DIRTY: the running config differs from mgmtd's copy (a hot update that was not applied, or a key changed by hand)`,
      next: `Find the differing keys ("Config has diffs" in its log): ${logs}; then restart it or upload the intended file again: ${upload}`,
    }
  }
  if (row.configState === 'FAILED') {
    // FAILED: mgmtd's copy could not be rendered or applied by the service (common/app/ConfigManager.cc:37-46).
    return {
      severity: 'error',
      subject,
      cause: `config version ${row.configVersionNumber} FAILED: the service could not render or apply mgmtd's copy of its ${type} config, and runs an older one`,
      next: `Fix the file and upload it again (${upload}), or re-run: ${context.cli('deploy {c}')}; the reason is in its log: ${logs}`,
    }
  }
  if (row.configState !== undefined && row.configState !== 'UPTODATE') {
    return {
      severity: 'warning',
      subject,
      cause: `config in a state 3fs-cli does not know (${row.configVersion})`,
      next: logs,
    }
  }
  return undefined
}

export function serviceProblems(services: ClusterServiceRow[], context: RuleContext): Problem[] {
  const {layout} = context
  const problems: Problem[] = []
  for (const row of services) {
    const where = row.node ?? row.hostname
    const subject = `${row.type.toLowerCase()} ${row.id}${where ? ` on ${where}` : ''}`
    const container = row.node
      ? layout.nodes
          .find((node) => node.name === row.node)
          ?.containers.find((entry) => TYPE_OF_SERVICE[entry.service] === row.type)?.container
      : undefined
    const logs =
      row.node && container
        ? onNode(context, row.node, `logs --tail 100 ${container}`)
        : `read the ${row.type.toLowerCase()} service's log on ${where || 'its node'}`
    const lastOfKind = services.filter((other) => other.type === row.type && isUp(other.status)).length === 0
    if (row.status === 'HEARTBEAT_FAILED') {
      const critical = lastOfKind && (row.type === 'META' || row.type === 'MGMTD')
      problems.push({
        severity: critical ? 'critical' : 'error',
        subject,
        cause: `stopped sending heartbeats to mgmtd (last ${row.lastHeartbeat || 'never'})${critical && row.type === 'META' ? '; no other meta service is up, so no file can be opened, listed or created' : ''}`,
        next: row.node && container ? `Read why it stopped, then start it: ${logs}` : logs,
      })
    } else if (row.status === 'HEARTBEAT_CONNECTING') {
      problems.push({
        severity: 'warning',
        subject,
        cause: 'still connecting to mgmtd (just started, or its network is failing)',
        next: `Wait a few seconds and run status again; if it stays, ${logs}`,
      })
    } else if (row.status === 'DISABLED') {
      problems.push({
        severity: 'warning',
        subject,
        cause: 'disabled in mgmtd',
        next: 'Enable it again with admin_cli enable-node if that was not intended.',
      })
    } else if (!isUp(row.status) && row.status !== '') {
      problems.push({
        severity: 'warning',
        subject,
        cause: `in state ${row.status}, which 3fs-cli does not know`,
        next: logs,
      })
    }
    const config = configProblem(row, services, subject, logs, context)
    if (config) problems.push(config)
  }
  // Services cluster.yml puts on a node that never registered with mgmtd.
  for (const [service, type] of Object.entries(TYPE_OF_SERVICE) as Array<[ServiceName, string]>) {
    for (const node of layout.nodes.filter((entry) => entry.services.includes(service))) {
      if (!services.some((row) => row.type === type && row.node === node.name)) {
        problems.push({
          severity: 'error',
          subject: `${node.name}/${service}`,
          cause: `mgmtd does not list a ${type} service on this node`,
          next: `Check that its container runs: ${onNode(context, node.name, 'ps -a')}`,
        })
      }
    }
  }
  return problems
}
