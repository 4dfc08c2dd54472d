/**
 * 3FS node ids: m3fs's numbering, and the rule that assigns them. An id never changes once a service ran
 * with it (3FS keeps targets, chains and heartbeats under the node id), so ids already recorded are kept
 * and a new node gets the next free id; deploy records them (deploy/layout.ts), status shows them.
 */
import type {Cluster} from '../config/model.js'

export type IdService = 'mgmtd' | 'meta' | 'storage' | 'client'
export const ID_SERVICES: readonly IdService[] = ['mgmtd', 'meta', 'storage', 'client']

/**
 * Where each service's ids start: m3fs's numbering for mgmtd (1..), meta (100..) and storage (10001..).
 * A fuse client has no configured 3FS id (it registers a random client id); 3fs-cli numbers its client
 * nodes from 1 only to know which ones it mounted.
 */
export const ID_BASE: Record<IdService, number> = {mgmtd: 1, meta: 100, storage: 10_001, client: 1}

export type NodeIds = Record<IdService, Record<string, number>>

/**
 * Ids for the nodes cluster.yml lists under one service: recorded ones kept, the others numbered from the
 * next free id in cluster.yml's order. `taken` are ids that must not be handed out again (retired clients).
 */
export function assignServiceIds(
  cluster: Cluster,
  service: IdService,
  recorded: Record<string, number> = {},
  taken: number[] = [],
): Record<string, number> {
  const ids: Record<string, number> = {}
  let next = Math.max(ID_BASE[service] - 1, ...Object.values(recorded), ...taken) + 1
  for (const name of cluster.services[service]) ids[name] = recorded[name] ?? next++
  return ids
}

/** Ids in cluster.yml's order, for a cluster with nothing recorded. */
export function defaultNodeIds(cluster: Cluster): NodeIds {
  return Object.fromEntries(ID_SERVICES.map((service) => [service, assignServiceIds(cluster, service)])) as NodeIds
}

/** A node's ids per service, for plans and status. */
export function idsOfNode(layout: {nodeIds: NodeIds}, node: string): Partial<Record<IdService, number>> {
  const ids: Partial<Record<IdService, number>> = {}
  for (const service of ID_SERVICES) {
    const id = layout.nodeIds[service][node]
    if (id !== undefined) ids[service] = id
  }
  return ids
}
