/**
 * Sync progress between two status rounds (status --watch): per storage node, how many of its targets
 * still sync, wait or are offline, how many came back to SERVING since the last round, and how much of
 * the syncing targets' data is copied (list-targets' UsedSize against their chains' serving replicas).
 */
import type {NodeRecovery} from './rules/chains.js'

export interface NodeSyncProgress {
  node: string
  nodeId?: number
  syncing: number
  waiting: number
  offline: number
  /** The same counts one round earlier; absent in the first round the node shows up. */
  before?: {syncing: number; waiting: number; offline: number}
  /** Targets that serve again since the last round. */
  backToServing: number
  syncedBytes?: number
  goalBytes?: number
  /** Bytes the syncing targets gained since the last round (negative when a finished target left the sum). */
  copiedSinceBytes?: number
  percent?: number
}

function pending(group: NodeRecovery): number {
  return group.syncing + group.waiting + group.offline + group.lastsrv + group.other
}

export function syncProgress(previous: NodeRecovery[] | undefined, current: NodeRecovery[]): NodeSyncProgress[] {
  const before = new Map((previous ?? []).map((group) => [group.node, group]))
  const nodes = [
    ...current.map((group) => group.node),
    ...(previous ?? []).map((group) => group.node).filter((node) => !current.some((group) => group.node === node)),
  ]
  return nodes.map((node) => {
    const now = current.find((group) => group.node === node)
    const then = before.get(node)
    const progress: NodeSyncProgress = {
      node,
      ...((now ?? then)?.nodeId !== undefined ? {nodeId: (now ?? then)!.nodeId} : {}),
      syncing: now?.syncing ?? 0,
      waiting: now?.waiting ?? 0,
      offline: (now?.offline ?? 0) + (now?.lastsrv ?? 0),
      backToServing: then ? Math.max(0, pending(then) - (now ? pending(now) : 0)) : 0,
    }
    if (then) progress.before = {syncing: then.syncing, waiting: then.waiting, offline: then.offline + then.lastsrv}
    if (now?.goalBytes) {
      progress.syncedBytes = now.syncedBytes ?? 0
      progress.goalBytes = now.goalBytes
      progress.percent = Math.floor((progress.syncedBytes / now.goalBytes) * 100)
      if (then?.syncedBytes !== undefined) progress.copiedSinceBytes = progress.syncedBytes - then.syncedBytes
    }
    return progress
  })
}
