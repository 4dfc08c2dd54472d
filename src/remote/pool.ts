/**
 * Hosts for a cluster's nodes: one per node, created on first use, closed together. Nodes behind the
 * same ProxyJump chain share one connection per bastion: the pool keys bastions by the chain up to them.
 */
import {userInfo} from 'node:os'

import type {ClusterNode, SshSettings} from '../config/model.js'
import type {Host} from './host.js'
import {KnownHosts} from './known-hosts.js'
import {isLocalAddress, LocalHost} from './local-host.js'
import {chainKey, nodeReach, type HopReach} from '../config/reach.js'
import {KeyStore, type PassphrasePrompt} from './ssh-auth.js'
import {SshHost} from './ssh-host.js'

export interface PoolOptions {
  ssh: SshSettings
  /** Asks for a key's passphrase; only given when a person is at the terminal. */
  promptPassphrase?: PassphrasePrompt
}

export class HostPool {
  private readonly hosts = new Map<string, Host>()
  /** Bastion connections by jump chain ("u@b1:22 > u@b2:22"), shared by every node behind them. */
  private readonly jumps = new Map<string, SshHost>()
  private readonly knownHostsByFiles = new Map<string, KnownHosts>()
  private readonly keys: KeyStore

  constructor(private readonly options: PoolOptions) {
    this.keys = new KeyStore(options.promptPassphrase)
  }

  get(node: ClusterNode): Host {
    let host = this.hosts.get(node.name)
    if (!host) {
      host = this.create(node)
      this.hosts.set(node.name, host)
    }
    return host
  }

  /** How many bastion connections the pool holds (one per distinct jump chain prefix). */
  get jumpConnections(): number {
    return this.jumps.size
  }

  /** One KnownHosts per set of files, so a key recorded for one host is seen by the next. */
  private knownHosts(files: string[]): KnownHosts {
    const key = files.join('\n')
    let known = this.knownHostsByFiles.get(key)
    if (!known) {
      known = new KnownHosts(files)
      this.knownHostsByFiles.set(key, known)
    }
    return known
  }

  private create(node: ClusterNode): Host {
    const {ssh} = this.options
    const reach = nodeReach(node, ssh)
    const identity = {
      name: node.name,
      username: reach.username,
      sudoPassword: node.sudoPassword ?? node.password,
      commandTimeoutMs: ssh.commandTimeoutMs,
    }
    // A node on this machine with the same login runs commands directly, without SSH.
    if (
      reach.jumps.length === 0 &&
      isLocalAddress(reach.host) &&
      reach.port === 22 &&
      reach.username === userInfo().username
    ) {
      return new LocalHost(identity)
    }
    return this.sshHost(reach, identity, node.password, this.jumpFor(reach.jumps))
  }

  /** The shared connection to the last bastion of a chain, creating the chain's hops as needed. */
  private jumpFor(hops: HopReach[]): SshHost | undefined {
    let previous: SshHost | undefined
    for (let index = 0; index < hops.length; index++) {
      const key = chainKey(hops.slice(0, index + 1))
      let jump = this.jumps.get(key)
      if (!jump) {
        const hop = hops[index]!
        jump = this.sshHost(
          hop,
          {name: hop.alias, username: hop.username, commandTimeoutMs: this.options.ssh.commandTimeoutMs},
          undefined,
          previous,
        )
        this.jumps.set(key, jump)
      }
      previous = jump
    }
    return previous
  }

  private sshHost(
    reach: HopReach,
    identity: {name: string; username: string; sudoPassword?: string; commandTimeoutMs: number},
    password: string | undefined,
    jump: SshHost | undefined,
  ): SshHost {
    return new SshHost({
      ...identity,
      host: reach.host,
      port: reach.port,
      auth: {username: reach.username, password, identityFiles: reach.identityFiles, useAgent: reach.useAgent},
      keys: this.keys,
      knownHosts: this.knownHosts(reach.knownHostsFiles),
      hostKeyPolicy: reach.hostKeyPolicy,
      connectTimeoutMs: reach.connectTimeoutMs,
      keepaliveIntervalMs: reach.keepaliveIntervalMs,
      jump,
    })
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((host) => host.close()))
    this.hosts.clear()
    // Bastions after the nodes that ride on them, the last hop of each chain first.
    const chains = [...this.jumps.entries()].sort(([a], [b]) => b.split(' > ').length - a.split(' > ').length)
    for (const [, jump] of chains) await jump.close()
    this.jumps.clear()
  }
}
