/**
 * Chains and their targets: every chain that is not fully SERVING is explained by its targets (state,
 * node, disk), grouped per storage node so that a restarted node reads as one problem.
 *
 * 3FS facts used here (3FS ee9a5ce):
 * - list-chains' Status is SYNCING when any target syncs, SERVING when all serve, UNAVAILABLE when none
 *   does, else SERVING(x/n) (client/cli/admin/ListChains.cc:29-60).
 * - A target coming back (OFFLINE with local state ONLINE) becomes SYNCING when its chain has a SERVING
 *   target and no SYNCING one, else WAITING: a chain syncs one target at a time. Targets are then ordered
 *   SERVING, LASTSRV, SYNCING, WAITING, OFFLINE, so returning ones move to the tail
 *   (mgmtd/service/updateChain.cc:80-101).
 * - list-chain-tables prints ChainCount and ReplicaCount per table version (ListChainTables.cc:25-44).
 */
import type {ChainRow, ChainTableRow, TargetRow} from '../../cluster/admin-cli-output.js'
import {onNode, sample, type Problem, type RuleContext} from './types.js'

export interface TargetView extends TargetRow {
  node?: string
}

/**
 * The storage node id inside a target id, as 3FS's chain table generator lays ids out:
 * ((prefix * 1e6 + nodeId) * 1e3 + disk + 1) * 100 + index + 1 (deploy/data_placement/src/setup/gen_chain_table.py;
 * 3fs-cli's chain-table.ts and m3fs use the same layout).
 */
export function storageNodeIdOfTarget(targetId: number): number {
  return Math.floor(targetId / 100_000) % 1_000_000
}

/** The disk index inside a target id (same layout): the thousands part minus one. */
export function diskIndexOfTarget(targetId: number): number {
  return (Math.floor(targetId / 100) % 1000) - 1
}

/** Per storage node: its targets that do not serve, by state. */
export interface NodeRecovery {
  /** The cluster.yml node, or `storage node id N` when no node is known. */
  node: string
  nodeId?: number
  syncing: number
  waiting: number
  /** OFFLINE or LASTSRV: the storage service does not report. */
  offline: number
  lastsrv: number
  /** Other states (INVALID, or ones newer than 3fs-cli). */
  other: number
  chains: number[]
  disks: number[]
  /** Targets that do not serve, as `id STATE (chain c, disk d)`. */
  targets: string[]
  /** Bytes the syncing targets hold, and the bytes their chains' serving replicas hold (list-targets UsedSize). */
  syncedBytes?: number
  goalBytes?: number
}

export interface ReplicaCount {
  count: number
  from: 'list-chain-tables' | 'layout' | 'chains'
}

/** The replica count: list-chain-tables' ReplicaCount when present, else cluster.yml's, else the widest chain. */
export function replicaCountOf(
  chainTables: ChainTableRow[] | undefined,
  layoutFactor: number | undefined,
  chains: ChainRow[],
): ReplicaCount {
  const counts = (chainTables ?? [])
    .map((table) => table.replicaCount)
    .filter((count): count is number => count !== undefined)
  if (counts.length > 0) return {count: Math.max(...counts), from: 'list-chain-tables'}
  if (layoutFactor) return {count: layoutFactor, from: 'layout'}
  return {count: Math.max(0, ...chains.map((chain) => chain.targets.length)), from: 'chains'}
}

/** Chains rebuilt from list-targets (in chain order, ListTargets.cc:23-39) when list-chains gave nothing. */
export function chainsFromTargets(targets: TargetRow[]): ChainRow[] {
  const byChain = new Map<number, TargetRow[]>()
  for (const target of targets) byChain.set(target.chainId, [...(byChain.get(target.chainId) ?? []), target])
  return [...byChain.entries()]
    .sort(([a], [b]) => a - b)
    .map(([chainId, rows]) => {
      const serving = rows.filter((row) => row.publicState === 'SERVING').length
      const syncing = rows.some((row) => row.publicState === 'SYNCING')
      // The same status rule as list-chains (ListChains.cc:51-60).
      const status = syncing
        ? 'SYNCING'
        : serving === rows.length
          ? 'SERVING'
          : serving === 0
            ? 'UNAVAILABLE'
            : 'SERVING'
      return {
        chainId,
        referencedBy: '',
        version: undefined,
        status,
        ...(!syncing && serving > 0 && serving < rows.length ? {serving: {up: serving, total: rows.length}} : {}),
        preferredOrder: '',
        targets: rows.map((row) => ({id: row.targetId, publicState: row.publicState, localState: row.localState})),
      }
    })
}

export function fullyServing(chain: ChainRow): boolean {
  return chain.status === 'SERVING' && (!chain.serving || chain.serving.up === chain.serving.total)
}

/** Groups every target that does not serve by the storage node that holds it. */
export function recoveryByNode(
  chains: ChainRow[],
  targets: TargetView[],
  nodeIdToNode: Map<number, string>,
): NodeRecovery[] {
  const targetById = new Map(targets.map((target) => [target.targetId, target]))
  const groups = new Map<string, NodeRecovery>()
  for (const chain of chains) {
    const servingBytes = Math.max(
      0,
      ...chain.targets
        .filter((target) => target.publicState === 'SERVING')
        .map((target) => targetById.get(target.id)?.usedBytes ?? 0),
    )
    for (const target of chain.targets) {
      if (target.publicState === 'SERVING') continue
      const row = targetById.get(target.id)
      const nodeId = row && row.nodeId >= 0 ? row.nodeId : storageNodeIdOfTarget(target.id)
      const node = row?.node ?? nodeIdToNode.get(nodeId) ?? `storage node id ${nodeId}`
      const disk = row?.diskIndex ?? diskIndexOfTarget(target.id)
      const group = groups.get(node) ?? {
        node,
        nodeId,
        syncing: 0,
        waiting: 0,
        offline: 0,
        lastsrv: 0,
        other: 0,
        chains: [],
        disks: [],
        targets: [],
      }
      if (target.publicState === 'SYNCING') {
        group.syncing++
        if (row?.usedBytes !== undefined && servingBytes > 0) {
          group.syncedBytes = (group.syncedBytes ?? 0) + Math.min(row.usedBytes, servingBytes)
          group.goalBytes = (group.goalBytes ?? 0) + servingBytes
        }
      } else if (target.publicState === 'WAITING') group.waiting++
      else if (target.publicState === 'OFFLINE') group.offline++
      else if (target.publicState === 'LASTSRV') group.lastsrv++
      else group.other++
      if (!group.chains.includes(chain.chainId)) group.chains.push(chain.chainId)
      if (disk >= 0 && !group.disks.includes(disk)) group.disks.push(disk)
      group.targets.push(
        `${target.id} ${target.publicState}-${target.localState} (chain ${chain.chainId}, disk ${disk})`,
      )
      groups.set(node, group)
    }
  }
  return [...groups.values()]
}

function counted(count: number, what: string): string {
  return `${count} target${count === 1 ? '' : 's'} ${what}`
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

/** `4 targets syncing after a restart, 2 waiting` and the copied share when list-targets gave sizes. */
export function describeRecovery(group: NodeRecovery): string {
  const parts: string[] = []
  if (group.syncing)
    parts.push(`${counted(group.syncing, 'syncing')}${group.offline + group.lastsrv === 0 ? ' after a restart' : ''}`)
  if (group.waiting) parts.push(parts.length ? `${group.waiting} waiting` : counted(group.waiting, 'waiting'))
  const copied = group.goalBytes
    ? ` (${formatBytes(group.syncedBytes ?? 0)} of ${formatBytes(group.goalBytes)} copied, ${Math.floor(((group.syncedBytes ?? 0) / group.goalBytes) * 100)}%)`
    : ''
  return `${parts.join(', ')}${copied}`
}

function storageLogs(node: string, context: RuleContext): string {
  const container =
    context.layout.nodes.find((entry) => entry.name === node)?.containers.find((entry) => entry.service === 'storage')
      ?.container ?? '3fs-storage'
  return onNode(context, node, `logs --tail 200 ${container}`)
}

export interface ChainInputs {
  chains: ChainRow[]
  targets: TargetView[]
  nodeIdToNode: Map<number, string>
  chainTables?: ChainTableRow[]
  /** Where the chains came from when list-chains failed. */
  chainsFrom?: 'list-targets'
}

export function chainProblems(inputs: ChainInputs, context: RuleContext): Problem[] {
  const {chains, targets, nodeIdToNode} = inputs
  const {layout, cli} = context
  const problems: Problem[] = []
  const hasStorage = layout.nodes.some((node) => node.services.includes('storage'))
  if (chains.length === 0) {
    if (hasStorage && inputs.chainsFrom === undefined)
      problems.push({
        severity: 'critical',
        subject: 'chains',
        cause: 'mgmtd has no chains: the chain table was never uploaded, so no file can be written',
        next: `Create targets, chains and the chain table: ${cli('deploy {c}')}`,
      })
    return problems
  }
  const targetById = new Map(targets.map((target) => [target.targetId, target]))
  const groups = recoveryByNode(chains, targets, nodeIdToNode)
  const known = (node: string) => !node.startsWith('storage node id ')
  const watch = cli('status {c} --watch 10')
  const unavailable = chains.filter((chain) => chain.status === 'UNAVAILABLE')
  if (unavailable.length > 0) {
    const stopped = groups.filter((group) => group.offline + group.lastsrv > 0).map((group) => group.node)
    const lastServing = new Set<string>()
    const lastTargets: string[] = []
    for (const chain of unavailable) {
      for (const target of chain.targets) {
        if (target.publicState !== 'LASTSRV') continue
        const group = groups.find((entry) => entry.targets.some((text) => text.startsWith(`${target.id} `)))
        const node = group && known(group.node) ? group.node : undefined
        lastServing.add(node ?? 'an unknown node')
        lastTargets.push(
          `target ${target.id} of chain ${chain.chainId} on ${node ?? `storage node id ${targetById.get(target.id)?.nodeId ?? storageNodeIdOfTarget(target.id)}`}`,
        )
      }
    }
    // The node with the last serving replica holds the newest data: it has to return first.
    const first = [...lastServing].find((node) => node !== 'an unknown node') ?? stopped.find(known)
    problems.push({
      severity: 'critical',
      subject: `chains ${sample(unavailable.map((chain) => chain.chainId))}`,
      cause: `${unavailable.length} of ${chains.length} chains UNAVAILABLE: no replica serves them${stopped.length ? `; storage stopped reporting on ${stopped.join(', ')}` : ''}${lastServing.size ? ` (${[...lastServing].join(', ')} held the last serving replica and must come back first: ${sample(lastTargets)})` : ''}. Right after a deploy this also happens while storage is still starting.`,
      next: first
        ? `Start storage again on ${first} first, after reading why it stopped: ${storageLogs(first, context)}`
        : `Check every storage node: ${cli(`exec {c} --service storage --sudo -- ${layout.runtime} ps -a`)}`,
    })
  }
  for (const group of groups) {
    const where = known(group.node) ? `storage ${group.nodeId} on ${group.node}` : `storage ${group.nodeId}`
    const stoppedCount = group.offline + group.lastsrv + group.other
    if (stoppedCount > 0) {
      const recovering = group.syncing + group.waiting ? `; ${describeRecovery(group)}` : ''
      problems.push({
        severity: 'error',
        subject: known(group.node) ? `${group.node}/storage` : where,
        cause: `${group.offline + group.lastsrv} target(s) in ${group.chains.length} chain(s) are LASTSRV/OFFLINE${group.other ? `, ${group.other} in another state` : ''}: the storage service${known(group.node) ? ` on ${group.node}` : ` with node id ${group.nodeId}`} stopped reporting to mgmtd${recovering} — ${sample(group.targets)}`,
        next: known(group.node)
          ? `Read its log and start it again (its targets then resync): ${storageLogs(group.node, context)}`
          : `No node in cluster.yml runs storage node id ${group.nodeId}: find it in list-nodes (${cli('status {c} --json')}, services[])`,
      })
    } else {
      problems.push({
        severity: 'warning',
        subject: where,
        cause: `${describeRecovery(group)} — data is copied back from the other replicas, one target per chain at a time (the rest wait their turn); disk(s) ${group.disks.join(', ')}, chains ${sample(group.chains)}: ${sample(group.targets)}`,
        next: `Nothing to do while it progresses; watch it: ${watch}. If the count stops falling, read the storage log: ${known(group.node) ? storageLogs(group.node, context) : `storage node id ${group.nodeId}'s log`}`,
      })
    }
  }
  // A table whose chains differ in length prints ReplicaCount as `2/3` (ListChainTables.cc:32-43):
  // the short chains keep fewer copies even while every target serves.
  for (const table of inputs.chainTables ?? []) {
    if (table.replicaCounts.length < 2) continue
    const most = Math.max(...table.replicaCounts)
    const short = chains.filter(
      (chain) => chain.referencedBy.split(',').includes(String(table.tableId)) && chain.targets.length < most,
    )
    problems.push({
      severity: 'warning',
      subject: `chain table ${table.tableId} v${table.version ?? '?'}`,
      cause: `its chains hold ${table.replicaCounts.join(' or ')} replicas, so some keep fewer copies than ${most}${short.length ? `: chains ${sample(short.map((chain) => chain.chainId))}` : ''}`,
      next: `Compare with the chain table that was meant to be uploaded: admin_cli list-chains -t ${table.tableId}`,
    })
  }
  const degraded = chains.filter((chain) => chain.status !== 'UNAVAILABLE' && !fullyServing(chain))
  if (degraded.length > 0) {
    const replicas = replicaCountOf(inputs.chainTables, layout.replicationFactor, chains)
    const syncing = degraded.filter(
      (chain) =>
        chain.status === 'SYNCING' ||
        chain.targets.some((target) => target.publicState === 'SYNCING' || target.publicState === 'WAITING'),
    )
    problems.push({
      severity: 'warning',
      subject: `chains ${sample(degraded.map((chain) => chain.chainId))}`,
      cause: `${degraded.length} of ${chains.length} chains serve with fewer replicas than ${replicas.count}${replicas.from === 'list-chain-tables' ? ' (ReplicaCount of list-chain-tables)' : ''}${syncing.length ? ` (${syncing.length} syncing: data is being copied back)` : ''}; the nodes are named above`,
      next: syncing.length
        ? `Wait for the sync to finish and watch it: ${watch}`
        : 'Bring back the storage nodes named above.',
    })
  }
  return problems
}
