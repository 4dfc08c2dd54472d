/**
 * What status expects to find: per node, the containers of its services, the 3FS mount (client
 * nodes) and the data directories (storage nodes). Saved in every capture as layout.json, so that a
 * capture can be judged later without cluster.yml.
 */
import {threefsLayout, type LayoutOptions} from '../cluster/layout.js'
import type {Cluster} from '../config/model.js'
import type {ServiceName} from '../config/schema.js'

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

/** Built from the layout deploy plans with (src/cluster/layout.ts): the same names, paths and mount point. */
export function statusLayout(
  cluster: Cluster,
  runtime?: string,
  options: Omit<LayoutOptions, 'runtime'> = {},
): StatusLayout {
  const storage = cluster.config.services.storage
  const threefs = threefsLayout(cluster, {...options, ...(runtime !== undefined ? {runtime} : {})})
  return {
    cluster: threefs.cluster,
    mountpoint: threefs.mountpoint,
    diskType: storage?.diskType ?? 'nvme',
    replicationFactor: storage?.replicationFactor ?? 2,
    runtime: threefs.runtime,
    mgmtdContainer: threefs.containers.mgmtd,
    fdbContainer: threefs.containers.fdb,
    adminNodes: threefs.adminNodes,
    fdbNodes: threefs.fdbNodes,
    nodes: threefs.nodes.map((node) => ({
      name: node.name,
      host: node.host,
      services: node.services,
      containers: node.containers,
      ...(node.mountpoint !== undefined ? {mountpoint: node.mountpoint} : {}),
      dataDirs: node.dataDirs,
    })),
  }
}
