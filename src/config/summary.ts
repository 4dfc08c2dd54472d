/** Counts that describe a cluster in one glance (validate's output). */
import {clusterMountpoint} from '../cluster/defaults.js'
import type {Cluster} from './model.js'
import {SERVICE_NAMES, type ServiceName} from './schema.js'
import {chainCount} from './semantic.js'

export interface ClusterSummary {
  name: string
  nodes: number
  services: Partial<Record<ServiceName, number>>
  chains: number
  replicationFactor: number
  stripeSize: number
  mountpoint: string
}

export function summarizeCluster(cluster: Cluster): ClusterSummary {
  const storage = cluster.config.services.storage
  const services: Partial<Record<ServiceName, number>> = {}
  for (const service of SERVICE_NAMES)
    if (cluster.services[service].length > 0) services[service] = cluster.services[service].length
  return {
    name: cluster.name,
    nodes: cluster.nodes.length,
    services,
    chains: storage
      ? chainCount(
          cluster.services.storage.length,
          storage.diskNumPerNode,
          storage.targetNumPerDisk,
          storage.replicationFactor,
        )
      : 0,
    replicationFactor: storage?.replicationFactor ?? 0,
    stripeSize: cluster.config.services.mgmtd?.stripeSize ?? 0,
    mountpoint: clusterMountpoint(cluster),
  }
}
