/**
 * Everything the service planners derive from cluster.yml: addresses, images, and the 3FS layout (names,
 * ids, paths) taken from src/cluster/layout.ts, the derivation status builds its expectations from too.
 */
import {createHash} from 'node:crypto'

import {DEFAULT_RUNTIME} from '../cluster/defaults.js'
import {threefsLayout, type ThreefsLayout, type ThreefsPaths} from '../cluster/layout.js'
import {commitForImageTag} from '../cluster/threefs-config/shipped.js'
import {nodesOf, type Cluster, type ClusterNode} from '../config/model.js'
import type {ServiceName} from '../config/schema.js'
import {resolveLayout, type ClusterLayout} from './layout.js'

export interface DeployContext {
  cluster: Cluster
  workDir: string
  networkType: 'RDMA' | 'IB' | 'RXE' | 'ERDMA'
  /**
   * How admin_cli and the services reach mgmtd, and mgmtd's RDMA listener group: IPoIB on InfiniBand,
   * because 3FS's RDMA listeners bind only en*, eth*, bond* and xgbe* NICs (src/common/net/Listener.cc:33-46)
   * and an IB port shows as ib*; m3fs does the same (pkg/task/runner.go:162-165).
   */
  mgmtdProtocol: 'RDMA' | 'IPoIB'
  /** The 3FS commit inside the 3fs image, whose shipped config files are rendered. */
  threefsCommit: string
  /** False when the image tag is not in the tag map (the newest known commit is used). */
  threefsCommitKnown: boolean
  mgmtdAddresses: string[]
  monitorAddress: string
  fdbClusterFile: string
  /** 3FS node ids per service and node name (m3fs's numbering: mgmtd 1.., meta 100.., storage 10001..), from the layout. */
  nodeIds: Record<'mgmtd' | 'meta' | 'storage', Map<string, number>>
  /** Ids as recorded (or first assigned) and the chain-table generations. */
  layout: ClusterLayout
  /** An earlier deploy recorded chains: storage restarts roll one node at a time (services/rolling.ts). */
  live: boolean
  images: {threefs: string; fdb: string; clickhouse: string; grafana: string}
  adminNode: ClusterNode
  runtime: string
  containers: Record<ServiceName, string>
  dataDirs: string[]
  mountpoint: string
  paths: ThreefsPaths
  /** The layout the names, ids and paths above come from (status derives its expectations from the same). */
  threefs: ThreefsLayout
}

export function imageRef(registry: string, image: {repo: string; tag: string}): string {
  return `${registry ? `${registry.replace(/\/$/, '')}/` : ''}${image.repo}:${image.tag}`
}

/** `layout`: the recorded one resolved against cluster.yml (resolveLayout); without it, ids follow cluster.yml's order. */
export function deployContext(
  cluster: Cluster,
  runtime = DEFAULT_RUNTIME,
  layout: ClusterLayout = resolveLayout(cluster),
  live = false,
): DeployContext {
  const {config} = cluster
  const threefs = threefsLayout(cluster, {runtime, nodeIds: layout.nodeIds})
  const host = (node: ClusterNode) => node.host
  const mgmtd = config.services.mgmtd!
  const fdbNodes = nodesOf(cluster, 'fdb')
  const monitorNode = nodesOf(cluster, 'monitor')[0]
  const networkType = config.networkType.toUpperCase() as DeployContext['networkType']
  const mgmtdProtocol = networkType === 'IB' ? 'IPoIB' : 'RDMA'
  const image = commitForImageTag(config.images['3fs'].tag)
  const idsOf = (service: 'mgmtd' | 'meta' | 'storage') =>
    new Map(cluster.services[service].map((name) => [name, threefs.nodeIds[service][name]!]))
  const nodeIds = {mgmtd: idsOf('mgmtd'), meta: idsOf('meta'), storage: idsOf('storage')}
  // The cluster file's description and id must be stable across runs (a re-run must not change it):
  // both derive from the cluster name and the fdb hosts.
  const digest = createHash('sha256')
    .update(`${cluster.name}\n${fdbNodes.map(host).join(',')}`)
    .digest('hex')
  const fdbPort = config.services.fdb?.port ?? 4500
  const fdbClusterFile = `${cluster.name.replace(/[^A-Za-z0-9_]/g, '_')}:${digest.slice(0, 16)}@${fdbNodes.map((node) => `${node.host}:${fdbPort}`).join(',')}`
  return {
    cluster,
    workDir: threefs.workDir,
    networkType,
    mgmtdProtocol,
    threefsCommit: image.commit,
    threefsCommitKnown: image.known,
    mgmtdAddresses: nodesOf(cluster, 'mgmtd').map((node) => `${mgmtdProtocol}://${node.host}:${mgmtd.rdmaListenPort}`),
    monitorAddress: monitorNode ? `${monitorNode.host}:${config.services.monitor?.port ?? 10_000}` : '',
    fdbClusterFile,
    nodeIds,
    layout,
    live,
    images: {
      threefs: imageRef(config.images.registry, config.images['3fs']),
      fdb: imageRef(config.images.registry, config.images.fdb),
      clickhouse: imageRef(config.images.registry, config.images.clickhouse),
      // m3fs's default (pkg/config/config.go): grafana/grafana 12.0.0 with the ClickHouse plugin installed.
      grafana: imageRef(config.images.registry, config.images.grafana ?? {repo: 'open3fs/grafana', tag: '12.0.0'}),
    },
    adminNode: cluster.nodes.find((node) => node.name === threefs.adminNodes[0])!,
    runtime: threefs.runtime,
    containers: threefs.containers,
    dataDirs: threefs.dataDirs,
    mountpoint: threefs.mountpoint,
    paths: threefs.paths,
    threefs,
  }
}

/** Which images a node needs, by the services it runs. */
export function imagesFor(context: DeployContext, services: ServiceName[]): string[] {
  const images = new Set<string>()
  for (const service of services) {
    if (service === 'fdb') images.add(context.images.fdb)
    else if (service === 'clickhouse') images.add(context.images.clickhouse)
    else if (service === 'grafana') images.add(context.images.grafana)
    else if (['monitor', 'mgmtd', 'meta', 'storage', 'client'].includes(service)) images.add(context.images.threefs)
  }
  return [...images]
}
