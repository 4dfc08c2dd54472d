/**
 * The cluster's layout as deployed: each node's id per service, assigned once and kept in the state
 * beside cluster.yml, and every chain-table generation uploaded. A node id must never change once a
 * service has run with it (3FS keeps targets, chains and heartbeats under the node id), so ids come
 * from this record, not from a node's position in cluster.yml: inserting a node in the middle of a list
 * gives the new node the next free id and leaves the others alone. The chains of earlier generations
 * are kept verbatim (never regenerated), so a newer 3fs-cli or an edited cluster.yml cannot upload
 * different chains to a live cluster.
 */
import {assignServiceIds, ID_SERVICES, type NodeIds} from '../cluster/node-ids.js'
import type {Cluster} from '../config/model.js'
import {UsageError} from '../errors.js'
import {ChainTableError, generateChainTable, type ChainTable} from './chain-table.js'
import {extendChainTable} from './chain-table-extend.js'

// The ids themselves are a 3FS fact shared with status: src/cluster/node-ids.ts.
export {ID_BASE, ID_SERVICES, idsOfNode, type IdService} from '../cluster/node-ids.js'

/** The storage settings every chain depends on: fixed once targets exist. */
export interface StorageShape {
  diskNumPerNode: number
  targetNumPerDisk: number
  replicationFactor: number
  targetIDPrefix: number
  chainIDPrefix: number
}

export interface ChainGeneration {
  /** The version of chain table 1 this generation's upload makes (1 for the first deploy). */
  version: number
  /** Storage node ids whose targets were first laid out in this generation. */
  nodeIds: number[]
  /** The targets and chains this generation adds (the earlier ones are untouched). */
  table: ChainTable
}

export interface ClusterLayout {
  nodeIds: NodeIds
  storage?: StorageShape
  chainGenerations: ChainGeneration[]
  /** Client nodes taken out of services.client, by the id they had: their mount is stopped once (client.ts). */
  retiredClients?: Record<string, number>
}

function shapeOf(cluster: Cluster): StorageShape | undefined {
  const storage = cluster.config.services.storage
  if (!storage) return undefined
  const {diskNumPerNode, targetNumPerDisk, replicationFactor, targetIDPrefix, chainIDPrefix} = storage
  return {diskNumPerNode, targetNumPerDisk, replicationFactor, targetIDPrefix, chainIDPrefix}
}

/** Every target and chain of the generations so far, as one table. */
export function allChains(layout: ClusterLayout): ChainTable {
  return {
    targets: layout.chainGenerations.flatMap((entry) => entry.table.targets),
    chains: layout.chainGenerations.flatMap((entry) => entry.table.chains),
  }
}

/**
 * The layout for cluster.yml as it is now, from the recorded one: recorded ids kept, new nodes given the
 * next ids, a new chain generation for storage nodes without targets. Refuses, before anything changes,
 * what would break a live cluster: a storage, meta or mgmtd node gone from cluster.yml, or a changed
 * storage setting that existing chains were built with.
 */
export function resolveLayout(cluster: Cluster, recorded?: ClusterLayout): ClusterLayout {
  const statePath = `.3fs-cli/${cluster.name}.state.json beside ${cluster.file}`
  const nodeIds = {} as ClusterLayout['nodeIds']
  for (const service of ID_SERVICES) {
    const before = recorded?.nodeIds[service] ?? {}
    const names = cluster.services[service]
    const gone = Object.keys(before).filter((name) => !names.includes(name))
    if (gone.length > 0 && service !== 'client') {
      const what =
        service === 'storage'
          ? `their targets hold replicas of live chains, and 3fs-cli does not migrate them`
          : `3fs-cli does not retire a running ${service} service`
      throw new UsageError(
        `${cluster.file}: services.${service} no longer lists ${gone.join(', ')}, which ${gone.length === 1 ? 'runs' : 'run'} ${service} with node id ${gone.map((name) => before[name]).join(', ')}; ${what}. Nothing was changed.`,
        {
          next: [
            `Put ${gone.join(', ')} back under services.${service} in ${cluster.file}.`,
            service === 'storage'
              ? 'To replace a failed storage node, give the new machine the same node name (its id and targets are kept); to shrink the cluster, copy the data out, `3fs-cli destroy --forget-ids` (destroy alone keeps the recorded ids, this node among them), and deploy the smaller cluster.'
              : `To take the whole cluster down instead: \`3fs-cli destroy -c ${cluster.file} --forget-ids\` (without --forget-ids destroy keeps the recorded ids in ${statePath}, and this refusal with them).`,
          ],
        },
      )
    }
    // A client that left and came back gets a new id, so that leaving again is a new (unapplied) retire action.
    const retired = service === 'client' ? Object.values(recorded?.retiredClients ?? {}) : []
    nodeIds[service] = assignServiceIds(cluster, service, before, retired)
  }

  const shape = shapeOf(cluster)
  const generations = [...(recorded?.chainGenerations ?? [])]
  if (recorded?.storage && shape && generations.length > 0) {
    for (const key of Object.keys(shape) as Array<keyof StorageShape>) {
      if (recorded.storage[key] === shape[key]) continue
      throw new UsageError(
        `${cluster.file}: services.storage.${key} is ${shape[key]}, but the live cluster's targets and chains were made with ${recorded.storage[key]}; changing it would break existing chains. Nothing was changed.`,
        {
          next: [
            `Set services.storage.${key} back to ${recorded.storage[key]} in ${cluster.file}.`,
            key === 'diskNumPerNode'
              ? 'Every storage node must keep the disk count its targets were created on; more capacity comes from adding storage nodes.'
              : `A different layout needs a new cluster: \`3fs-cli destroy\` (data kept unless --purge-data) and deploy again (which forgets ${statePath}).`,
          ],
        },
      )
    }
  }
  if (shape) {
    const placed = new Set(generations.flatMap((entry) => entry.nodeIds))
    const storageIds = cluster.services.storage.map((name) => nodeIds.storage[name]!)
    const fresh = storageIds.filter((id) => !placed.has(id))
    if (fresh.length > 0) {
      const settings = {
        disksPerNode: shape.diskNumPerNode,
        targetsPerDisk: shape.targetNumPerDisk,
        replicationFactor: shape.replicationFactor,
        targetIdPrefix: shape.targetIDPrefix,
        chainIdPrefix: shape.chainIDPrefix,
      }
      try {
        const table =
          generations.length === 0
            ? generateChainTable({...settings, nodeIds: fresh})
            : extendChainTable({
                ...settings,
                existing: allChains({nodeIds, chainGenerations: generations}),
                oldNodeIds: storageIds.filter((id) => placed.has(id)),
                newNodeIds: fresh,
              })
        generations.push({version: generations.length + 1, nodeIds: fresh, table})
      } catch (error) {
        if (error instanceof ChainTableError)
          throw new UsageError(`${cluster.file}: services.storage: ${error.message}`, {
            next: 'Change the storage node count, replicationFactor or targetNumPerDisk so the chains can be laid out.',
          })
        throw error
      }
    }
  }
  const retiredClients = {...recorded?.retiredClients}
  for (const [name, id] of Object.entries(recorded?.nodeIds.client ?? {}))
    if (nodeIds.client[name] === undefined) retiredClients[name] = id
  for (const name of Object.keys(retiredClients)) if (nodeIds.client[name] !== undefined) delete retiredClients[name]
  return {
    nodeIds,
    ...(Object.keys(retiredClients).length > 0 ? {retiredClients} : {}),
    ...(recorded?.storage && generations.length > 0 ? {storage: recorded.storage} : shape ? {storage: shape} : {}),
    chainGenerations: generations,
  }
}
