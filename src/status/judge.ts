/**
 * From what was collected to a verdict: every problem with its severity, the likely cause and the
 * next command to run. critical means the filesystem cannot serve (verdict DOWN); error and warning
 * mean it serves with less than it should (DEGRADED). Nothing seen, nothing claimed: what could not
 * be looked at is a problem too, so HEALTHY always means "seen and fine".
 *
 * Each concern is a rule module under rules/ (containers, disks, mounts, admin, services, chains, fdb);
 * this file only joins what they see.
 */
import type {ChainRow, ChainTableRow, ClientRow} from '../cluster/admin-cli-output.js'
import type {FdbState} from './fdb.js'
import type {StatusLayout} from './layout.js'
import {nodeState, type NodeState, type RawNode} from './node-state.js'
import {readAdmin, type AdminBasis} from './rules/admin.js'
import {
  chainProblems,
  fullyServing,
  recoveryByNode,
  replicaCountOf,
  type NodeRecovery,
  type ReplicaCount,
  type TargetView,
} from './rules/chains.js'
import {containerProblems, runningAnywhere, unreachableProblems} from './rules/containers.js'
import {diskProblems} from './rules/disks.js'
import {fdbProblems} from './rules/fdb.js'
import {mountProblems} from './rules/mounts.js'
import {markStaleConfigs, serviceProblems, type ClusterServiceRow} from './rules/services.js'
import {ruleContext, type Problem, type Severity} from './rules/types.js'

export type {Problem, Severity} from './rules/types.js'
export type {ClusterServiceRow} from './rules/services.js'
export type {NodeRecovery, TargetView} from './rules/chains.js'
export {storageNodeIdOfTarget} from './rules/chains.js'

export type Verdict = 'HEALTHY' | 'DEGRADED' | 'DOWN'

export interface RawStatus {
  layout: StatusLayout
  nodes: Record<string, RawNode>
  /** admin_cli outputs by command and `fdb/status.json`, from the node that ran them. */
  admin: {node?: string; sections: Record<string, string>; error?: {kind: string; message: string}}
  /** Files a partial capture lacked. */
  missing: string[]
}

export interface StatusReport {
  cluster: string
  /** When the data was collected. */
  observedAt: string
  verdict: Verdict
  problems: Problem[]
  /** What the verdict rests on: the mgmtd node asked, which admin_cli views answered, the replica count used. */
  basis: AdminBasis & {replicaCount?: ReplicaCount}
  nodes: NodeState[]
  /** services.grafana's URL and what its /api/health answered, when the cluster has one (live status only). */
  grafana?: {url: string; health: {ok: boolean; detail: string}}
  services: ClusterServiceRow[]
  chains: ChainRow[]
  targets: TargetView[]
  chainTables: ChainTableRow[]
  clients: ClientRow[]
  /** Per storage node, its targets that do not serve (syncing, waiting, offline); empty when all serve. */
  recovery: NodeRecovery[]
  fdb?: FdbState
  /** Data that could not be collected (or that a capture lacks). */
  missing: string[]
  summary: {
    nodes: number
    reachable: number
    chains: number
    servingChains: number
    targets: number
    servingTargets: number
    clients: number
    mounts: number
    mountsOk: number
  }
}

export interface JudgeOptions {
  /** How next-step commands refer to the config, e.g. `-c cluster.yml`. */
  configArg: string
  /** When the data was collected (uptimes are measured to it); default now. */
  observedAt?: string
}

export function judge(raw: RawStatus, options: JudgeOptions): StatusReport {
  const {layout} = raw
  const context = ruleContext(layout, options.configArg)
  const problems: Problem[] = []
  const missing = [...raw.missing]
  const nodes = layout.nodes.map((node) => nodeState(node, raw.nodes[node.name]))
  const observed = Date.parse(options.observedAt ?? new Date().toISOString())
  for (const node of nodes) {
    for (const container of node.containers) {
      const started = container.startedAt ? Date.parse(container.startedAt) : Number.NaN
      if (container.state === 'running' && Number.isFinite(started) && Number.isFinite(observed))
        container.uptimeSeconds = Math.max(0, Math.round((observed - started) / 1000))
    }
    for (const section of node.missing) missing.push(`nodes/${node.name}/${section}`)
  }

  // Nodes and their containers, mounts and disks.
  problems.push(...unreachableProblems(nodes, context))
  const running = runningAnywhere(nodes)
  for (const node of nodes.filter((entry) => entry.reachable)) {
    problems.push(
      ...containerProblems(node, running, context),
      ...mountProblems(node, context),
      ...diskProblems(node, context),
    )
  }

  // admin_cli: the cluster as mgmtd sees it.
  const admin = readAdmin(raw.admin, nodes, context)
  problems.push(...admin.problems)
  missing.push(...admin.missing)
  const {tables} = admin
  const hostnameToNode = new Map<string, string>()
  for (const node of nodes)
    for (const key of [node.hostname, node.name, node.host]) if (key) hostnameToNode.set(key, node.name)
  const services = markStaleConfigs(
    (tables.nodes ?? []).map((row) => {
      const node = hostnameToNode.get(row.hostname)
      return node ? {...row, node} : {...row}
    }),
  )
  const nodeIdToNode = new Map(services.filter((row) => row.node).map((row) => [row.id, row.node!]))
  const targets: TargetView[] = (tables.targets ?? []).map((row) => {
    const node = nodeIdToNode.get(row.nodeId)
    return node ? {...row, node} : {...row}
  })
  if (tables.nodes) problems.push(...serviceProblems(services, context))
  const chains = tables.chains ?? []
  if (tables.chains)
    problems.push(
      ...chainProblems(
        {
          chains,
          targets,
          nodeIdToNode,
          ...(tables.chainTables ? {chainTables: tables.chainTables} : {}),
          ...(admin.basis.chainsFrom ? {chainsFrom: admin.basis.chainsFrom} : {}),
        },
        context,
      ),
    )

  const fdb = fdbProblems(raw.admin.sections['fdb/status.json'], nodes, context)
  problems.push(...fdb.problems)
  missing.push(...fdb.missing)

  if (missing.length > 0) {
    problems.push({
      severity: 'warning',
      subject: 'status',
      cause: `not everything could be seen: ${summarize(missing)}`,
      next: 'Fix the problems above that stopped collection, or capture again.',
    })
  }

  const verdict: Verdict = problems.some((problem) => problem.severity === 'critical')
    ? 'DOWN'
    : problems.length > 0
      ? 'DEGRADED'
      : 'HEALTHY'
  const mounts = nodes.filter((node) => layout.nodes.find((entry) => entry.name === node.name)?.mountpoint)
  return {
    cluster: layout.cluster,
    observedAt: options.observedAt ?? new Date(observed).toISOString(),
    verdict,
    problems: sortProblems(problems),
    basis: {
      ...admin.basis,
      ...(chains.length > 0
        ? {replicaCount: replicaCountOf(tables.chainTables, layout.replicationFactor, chains)}
        : {}),
    },
    nodes,
    services,
    chains,
    targets,
    chainTables: tables.chainTables ?? [],
    clients: tables.clients ?? [],
    recovery: recoveryByNode(chains, targets, nodeIdToNode),
    ...(fdb.fdb ? {fdb: fdb.fdb} : {}),
    missing,
    summary: {
      nodes: nodes.length,
      reachable: nodes.filter((node) => node.reachable).length,
      chains: chains.length,
      servingChains: chains.filter(fullyServing).length,
      targets: targets.length,
      servingTargets: targets.filter((target) => target.publicState === 'SERVING').length,
      clients: (tables.clients ?? []).length,
      mounts: mounts.length,
      mountsOk: mounts.filter(
        (node) => node.mount?.mounted && node.mount.fstype === 'fuse.hf3fs' && node.mount.probe === 'ok',
      ).length,
    },
  }
}

function summarize(items: string[]): string {
  return items.length <= 6 ? items.join(', ') : `${items.slice(0, 6).join(', ')} and ${items.length - 6} more`
}

const SEVERITY_ORDER: Record<Severity, number> = {critical: 0, error: 1, warning: 2}

function sortProblems(problems: Problem[]): Problem[] {
  return problems
    .map((problem, index) => ({problem, index}))
    .sort((a, b) => SEVERITY_ORDER[a.problem.severity] - SEVERITY_ORDER[b.problem.severity] || a.index - b.index)
    .map((entry) => entry.problem)
}
