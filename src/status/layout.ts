/**
 * What status expects to find: per node, the containers of its services, the 3FS mount (client
 * nodes) and the data directories (storage nodes). Saved in every capture as layout.json, so that a
 * capture can be judged later without cluster.yml.
 */
import {clusterMountpoint, DEFAULT_RUNTIME} from '../cluster/defaults.js'
import type {Cluster} from '../config/model.js'
import type {ServiceName} from '../config/schema.js'
import {containerName, servicesOf, storageDataDirs} from '../cluster/services.js'

export interface ExpectedContainer {
  service: ServiceName
  container: string
}

export interface LayoutNode {
  name: string
  host: string
  services: ServiceName[]
  containers: ExpectedContainer[]
  /** The 3FS mount point on client nodes. */
  mountpoint?: string
  /** Storage data directories, one per disk. */
  dataDirs: string[]
}

export interface StatusLayout {
  cluster: string
  mountpoint: string
  diskType: 'nvme' | 'dir'
  replicationFactor: number
  /** Command that talks to the container engine on the nodes (docker by default). */
  runtime: string
  mgmtdContainer: string
  fdbContainer: string
  /** Nodes that can run admin_cli (mgmtd nodes), in the order they are tried. */
  adminNodes: string[]
  fdbNodes: string[]
  nodes: LayoutNode[]
}

export function statusLayout(cluster: Cluster, runtime = DEFAULT_RUNTIME): StatusLayout {
  const storage = cluster.config.services.storage
  const mountpoint = clusterMountpoint(cluster)
  return {
    cluster: cluster.name,
    mountpoint,
    diskType: storage?.diskType ?? 'nvme',
    replicationFactor: storage?.replicationFactor ?? 2,
    runtime,
    mgmtdContainer: containerName(cluster, 'mgmtd'),
    fdbContainer: containerName(cluster, 'fdb'),
    adminNodes: cluster.services.mgmtd,
    fdbNodes: cluster.services.fdb,
    nodes: cluster.nodes.map((node) => {
      const services = servicesOf(cluster, node.name)
      return {
        name: node.name,
        host: node.host,
        services,
        containers: services.map((service) => ({service, container: containerName(cluster, service)})),
        ...(services.includes('client') ? {mountpoint} : {}),
        dataDirs: services.includes('storage') ? storageDataDirs(cluster) : [],
      }
    }),
  }
}
