/** The resolved cluster: node groups expanded, service memberships as node names, durations in ms. */
import type {ConfigProblem, PathSegment} from './problems.js'
import type {ClusterFile, ServiceName} from './schema.js'

export interface ClusterNode {
  name: string
  host: string
  port: number
  username: string
  password?: string
  sudoPassword?: string
  identityFile?: string
  /** The nodeGroup this node was expanded from, if any. */
  group?: string
  /** Where the node is defined in cluster.yml, for error messages. */
  source: PathSegment[]
}

export interface SshSettings {
  knownHostsFile?: string
  hostKeyPolicy: 'strict' | 'accept-new'
  identityFile?: string
  useAgent: boolean
  connectTimeoutMs: number
  commandTimeoutMs: number
  keepaliveIntervalMs: number
  concurrency: number
}

export interface Cluster {
  /** Path of the cluster.yml it came from. */
  file: string
  name: string
  config: ClusterFile
  nodes: ClusterNode[]
  /** Node names per service, in the order cluster.yml lists them (nodes first, then groups). */
  services: Record<ServiceName, string[]>
  ssh: SshSettings
  warnings: ConfigProblem[]
}

export function nodesOf(cluster: Cluster, service: ServiceName): ClusterNode[] {
  const names = new Set(cluster.services[service])
  return cluster.nodes.filter((node) => names.has(node.name))
}
