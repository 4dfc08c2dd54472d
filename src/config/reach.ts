/**
 * How one node is reached: its address, login, keys, host-key checking and timeouts, and the ProxyJump
 * hops in front of it, each with where it came from. Order of precedence, for every setting: a flag,
 * then cluster.yml (the node's entry, then its ssh: block), then the SSH config, then the default.
 * `config validate -v` shows these origins; the host pool connects with exactly these values.
 */
import {userInfo} from 'node:os'
import {join} from 'node:path'

import type {ClusterNode, HostSshConfig, SshSettings} from './model.js'
import {expandHome} from './semantic.js'
import type {ResolvedSshConfig} from './ssh-config.js'
import {homeDirectory} from './home.js'

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_KEEPALIVE_MS = 15_000

export type ReachSetting =
  | 'host'
  | 'port'
  | 'username'
  | 'identityFiles'
  | 'useAgent'
  | 'knownHostsFiles'
  | 'hostKeyPolicy'
  | 'connectTimeoutMs'
  | 'keepaliveIntervalMs'
  | 'proxyJump'

/** One SSH endpoint: a node or a bastion. */
export interface HopReach {
  /** The name as written (cluster.yml host or ProxyJump hop): shown in messages. */
  alias: string
  host: string
  port: number
  username: string
  /** Empty: the default keys (~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  identityFiles: string[]
  useAgent: boolean
  knownHostsFiles: string[]
  hostKeyPolicy: 'strict' | 'accept-new'
  connectTimeoutMs: number
  keepaliveIntervalMs: number
  /** "cluster.yml", "--flag", "FILE:LINE" of the SSH config, or "default". */
  origins: Record<ReachSetting, string>
}

export interface NodeReach extends HopReach {
  /** Bastions in connection order; empty when the node is reached directly. */
  jumps: HopReach[]
}

/** StrictHostKeyChecking mapped onto 3fs-cli's policies; a changed key is refused under both. */
function policyOf(value: ResolvedSshConfig['strictHostKeyChecking']): 'strict' | 'accept-new' | undefined {
  if (value === undefined) return undefined
  // "ask" cannot ask in a fan-out: it is treated as yes. "no"/"off" would let ssh connect to a host whose key
  // CHANGED; 3fs-cli never does, so they mean accept-new here (unknown keys recorded, changed keys refused).
  return value === 'yes' || value === 'ask' ? 'strict' : 'accept-new'
}

interface Explicit {
  port?: number
  username?: string
  identityFile?: string
  source: string
}

function hopReach(config: HostSshConfig | undefined, alias: string, ssh: SshSettings, explicit: Explicit): HopReach {
  const r = config?.resolved
  const s = r?.sources ?? {}
  const origins = {} as Record<ReachSetting, string>
  const pick = <T>(key: ReachSetting, choices: Array<[T | undefined, string | undefined]>, fallback: T): T => {
    for (const [value, origin] of choices) {
      if (value !== undefined && origin !== undefined) {
        origins[key] = origin
        return value
      }
    }
    origins[key] = 'default'
    return fallback
  }
  const host = pick('host', [[r?.sources.hostName ? r.hostName : undefined, s.hostName]], alias)
  if (origins.host === 'default') origins.host = explicit.source
  const port = pick(
    'port',
    [
      [explicit.port, explicit.source],
      [config?.hop?.port, config?.hop?.source],
      [r?.port, s.port],
    ],
    22,
  )
  const username = pick(
    'username',
    [
      [explicit.username, explicit.source],
      [config?.hop?.user, config?.hop?.source],
      [r?.user, s.user],
    ],
    userInfo().username,
  )
  const identityFiles = pick<string[]>(
    'identityFiles',
    [
      [explicit.identityFile ? [expandHome(explicit.identityFile)] : undefined, explicit.source],
      [ssh.identityFile ? [ssh.identityFile] : undefined, 'cluster.yml'],
      [r?.identityFiles.length ? r.identityFiles : undefined, s.identityFiles],
    ],
    [],
  )
  // IdentitiesOnly: only the listed keys, so not the agent's.
  const useAgent = pick('useAgent', [[r?.identitiesOnly === true ? false : undefined, s.identitiesOnly]], ssh.useAgent)
  if (origins.useAgent === 'default' && !ssh.useAgent) origins.useAgent = 'cluster.yml'
  const knownHostsFiles = pick<string[]>(
    'knownHostsFiles',
    [
      [ssh.knownHostsFile ? [expandHome(ssh.knownHostsFile)] : undefined, 'cluster.yml'],
      [r?.userKnownHostsFile, s.userKnownHostsFile],
    ],
    [join(homeDirectory(), '.ssh', 'known_hosts')],
  )
  const hostKeyPolicy = pick(
    'hostKeyPolicy',
    [
      [ssh.given.hostKeyPolicy ? ssh.hostKeyPolicy : undefined, ssh.given.hostKeyPolicy],
      [policyOf(r?.strictHostKeyChecking), s.strictHostKeyChecking],
    ],
    ssh.hostKeyPolicy,
  )
  const connectTimeoutMs = pick(
    'connectTimeoutMs',
    [
      [ssh.given.connectTimeoutMs ? ssh.connectTimeoutMs : undefined, ssh.given.connectTimeoutMs],
      [r?.connectTimeoutSeconds === undefined ? undefined : r.connectTimeoutSeconds * 1000, s.connectTimeoutSeconds],
    ],
    ssh.connectTimeoutMs,
  )
  const keepaliveIntervalMs = pick(
    'keepaliveIntervalMs',
    [
      [ssh.given.keepaliveIntervalMs ? ssh.keepaliveIntervalMs : undefined, ssh.given.keepaliveIntervalMs],
      // ServerAliveInterval 0 (OpenSSH's default) means no keepalives; ssh2 reads 0 the same way.
      [
        r?.serverAliveIntervalSeconds === undefined ? undefined : r.serverAliveIntervalSeconds * 1000,
        s.serverAliveIntervalSeconds,
      ],
    ],
    ssh.keepaliveIntervalMs,
  )
  origins.proxyJump = 'default'
  return {
    alias,
    host,
    port,
    username,
    identityFiles,
    useAgent,
    knownHostsFiles,
    hostKeyPolicy,
    connectTimeoutMs,
    keepaliveIntervalMs,
    origins,
  }
}

export function nodeReach(node: ClusterNode, ssh: SshSettings): NodeReach {
  const reach = hopReach(node.sshConfig, node.alias, ssh, {
    port: node.given.port ? node.port : undefined,
    username: node.given.username ? node.username : undefined,
    identityFile: node.identityFile,
    source: 'cluster.yml',
  })
  // With no SSH config, port and username are cluster.yml's (or their defaults) as before.
  if (!node.sshConfig) Object.assign(reach, {port: node.port, username: node.username})
  const jumps = (node.sshConfig?.jumps ?? []).map((hop) => hopReach(hop, hop.alias, ssh, {source: 'default'}))
  const proxyJump = node.sshConfig?.resolved.sources.proxyJump
  if (proxyJump) reach.origins.proxyJump = proxyJump
  return {...reach, jumps}
}

/** The pool key of a jump chain: every hop's login and address, in order. */
export function chainKey(hops: HopReach[]): string {
  return hops.map((hop) => `${hop.username}@${hop.host}:${hop.port}`).join(' > ')
}

export type ReachReport = Record<ReachSetting, {value: unknown; from: string}> & {
  jumps: Array<Record<ReachSetting, {value: unknown; from: string}> & {alias: string}>
}

function report(reach: HopReach): Record<ReachSetting, {value: unknown; from: string}> {
  const entries = (Object.keys(reach.origins) as ReachSetting[])
    .filter((key) => key !== 'proxyJump')
    .map((key) => [key, {value: reach[key as Exclude<ReachSetting, 'proxyJump'>], from: reach.origins[key]}])
  return Object.fromEntries(entries) as Record<ReachSetting, {value: unknown; from: string}>
}

/** Every setting of a node (and of its bastions) with where it came from: `config validate -v`. */
export function reachReport(node: ClusterNode, ssh: SshSettings): ReachReport {
  const reach = nodeReach(node, ssh)
  return {
    ...report(reach),
    proxyJump: {value: reach.jumps.map((hop) => hop.alias), from: reach.origins.proxyJump},
    jumps: reach.jumps.map((hop) => ({alias: hop.alias, ...report(hop)})),
  }
}
