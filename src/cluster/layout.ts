/**
 * The one derivation of where a cluster's 3FS pieces live, from cluster.yml (and the recorded node ids):
 * which services each node runs, its container names, node ids, the m3fs directory layout under workDir,
 * the storage data directories and target paths, the mount point, the ports. deploy's context
 * (deploy/context.ts) and status's expectations (status/layout.ts) are both built from it, so what deploy
 * starts is what status looks for.
 */
import type {Cluster} from '../config/model.js'
import {SERVICE_NAMES, type ServiceName} from '../config/schema.js'
import {clusterMountpoint, DEFAULT_RUNTIME} from './defaults.js'
import {defaultNodeIds, idsOfNode, type IdService, type NodeIds} from './node-ids.js'
import {portsOf} from './ports.js'
import {
  containerName,
  serviceConfigDir,
  serviceLogDir,
  servicesOf,
  storageDataDirs,
  storageTargetPaths,
} from './services.js'

export interface ThreefsNode {
  name: string
  host: string
  /** In deploy order. */
  services: ServiceName[]
  /** Its container per service it runs. */
  containers: Array<{service: ServiceName; container: string}>
  ids: Partial<Record<IdService, number>>
  /** Ports its services bind (cluster.yml's values or their defaults). */
  ports: Array<{service: ServiceName; port: number}>
  /** Storage data directories on the host, one per disk (storage nodes). */
  dataDirs: string[]
  /** The 3FS mount point (client nodes). */
  mountpoint?: string
}

export interface ThreefsPaths {
  /** m3fs's layout: <workDir>/<service>/config.d mounted at /opt/3fs/etc, <workDir>/<service>/log at /var/log/3fs. */
  etc: (service: ServiceName) => string
  log: (service: ServiceName) => string
  /** Where deploy records applied actions on each node. */
  state: string
  /** The FoundationDB cluster file in a service's config dir (3FS reads it at /opt/3fs/etc/fdb.cluster). */
  fdbClusterFile: (service: ServiceName) => string
  token: string
  adminConfig: string
  adminRootConfig: string
  clientToken: string
  images: string
}

export interface ThreefsLayout {
  cluster: string
  workDir: string
  /** The container engine command on the nodes. */
  runtime: string
  mountpoint: string
  containers: Record<ServiceName, string>
  /** Storage data directories on a storage node's host, one per disk. */
  dataDirs: string[]
  /** The storage targets' directories inside the storage container (server.targets.target_paths). */
  targetPaths: string[]
  /** mgmtd nodes in cluster.yml's order: admin_cli runs on the first that answers (deploy uses the first). */
  adminNodes: string[]
  fdbNodes: string[]
  nodeIds: NodeIds
  nodes: ThreefsNode[]
  paths: ThreefsPaths
}

export interface LayoutOptions {
  runtime?: string
  /** Ids as recorded and resolved by deploy (deploy/layout.ts); without them, cluster.yml's order. */
  nodeIds?: NodeIds
}

export function threefsLayout(cluster: Cluster, options: LayoutOptions = {}): ThreefsLayout {
  const workDir = cluster.config.workDir
  const mountpoint = clusterMountpoint(cluster)
  const nodeIds = options.nodeIds ?? defaultNodeIds(cluster)
  const containers = Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, containerName(cluster, service)]),
  ) as Record<ServiceName, string>
  const dataDirs = storageDataDirs(cluster)
  const etc = (service: ServiceName) => serviceConfigDir(workDir, service)
  return {
    cluster: cluster.name,
    workDir,
    runtime: options.runtime ?? DEFAULT_RUNTIME,
    mountpoint,
    containers,
    dataDirs,
    targetPaths: storageTargetPaths(cluster),
    adminNodes: [...cluster.services.mgmtd],
    fdbNodes: [...cluster.services.fdb],
    nodeIds,
    nodes: cluster.nodes.map((node) => {
      const services = servicesOf(cluster, node.name)
      return {
        name: node.name,
        host: node.host,
        services,
        containers: services.map((service) => ({service, container: containers[service]})),
        ids: idsOfNode({nodeIds}, node.name),
        ports: services.flatMap((service) => portsOf(cluster, service).map((port) => ({service, port}))),
        dataDirs: services.includes('storage') ? dataDirs : [],
        ...(services.includes('client') ? {mountpoint} : {}),
      }
    }),
    paths: {
      etc,
      log: (service) => serviceLogDir(workDir, service),
      state: `${workDir}/.3fs-cli/applied`,
      fdbClusterFile: (service) => `${etc(service)}/fdb.cluster`,
      token: `${etc('mgmtd')}/token.txt`,
      adminConfig: `${etc('mgmtd')}/admin_cli.toml`,
      adminRootConfig: `${etc('mgmtd')}/admin_cli_root.toml`,
      clientToken: `${etc('client')}/token.txt`,
      images: `${workDir}/images`,
    },
  }
}
