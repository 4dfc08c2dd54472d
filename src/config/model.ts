/** The resolved cluster: node groups expanded, service memberships as node names, durations in ms. */
import type {ConfigProblem, PathSegment} from './problems.js'
import type {ResolvedSshConfig} from './ssh-config.js'
import type {ClusterFile, ServiceName} from './schema.js'

export interface ClusterNode {
  name: string
  host: string
  port: number
  username: string
  password?: string
  sudoPassword?: string
  identityFile?: string
  /** `host` as cluster.yml gives it: the name looked up in the SSH config (its HostName becomes `host`). */
  alias: string
  /** Which of port/username cluster.yml states (they then win over the SSH config). */
  given: {port: boolean; username: boolean}
  /** What the SSH config says for this node and its jump hosts (undefined: no SSH config read). */
  sshConfig?: NodeSshConfig
  /** The nodeGroup this node was expanded from, if any. */
  group?: string
  /** Where the node is defined in cluster.yml, for error messages. */
  source: PathSegment[]
}

/** One host's settings from the SSH config (a node or a ProxyJump hop). */
export interface HostSshConfig {
  alias: string
  resolved: ResolvedSshConfig
  /** For a hop: user and port written in the ProxyJump value itself ("user@host:port"). */
  hop?: {user?: string; port?: number; source: string}
}

export interface NodeSshConfig extends HostSshConfig {
  /** ProxyJump hops in connection order (first is reached directly). */
  jumps: HostSshConfig[]
}

/** Settings a flag or cluster.yml states explicitly: they win over the SSH config. */
export type SshOrigin = 'cluster.yml' | `--${string}`

export interface SshSettings {
  /** The SSH config file read, if any. */
  configFile?: string
  /** Where hostKeyPolicy, connectTimeoutMs, keepaliveIntervalMs were stated; absent: the default value. */
  given: Partial<Record<'hostKeyPolicy' | 'connectTimeoutMs' | 'keepaliveIntervalMs', SshOrigin>>
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
