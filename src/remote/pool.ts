/** Hosts for a cluster's nodes: one per node, created on first use, closed together. */
import {homedir, userInfo} from 'node:os'
import {join} from 'node:path'

import type {ClusterNode, SshSettings} from '../config/model.js'
import {expandHome} from '../config/semantic.js'
import type {Host} from './host.js'
import {KnownHosts} from './known-hosts.js'
import {isLocalAddress, LocalHost} from './local-host.js'
import {KeyStore, type PassphrasePrompt} from './ssh-auth.js'
import {SshHost} from './ssh-host.js'

export interface PoolOptions {
  ssh: SshSettings
  /** Asks for a key's passphrase; only given when a person is at the terminal. */
  promptPassphrase?: PassphrasePrompt
}

export class HostPool {
  private readonly hosts = new Map<string, Host>()
  private readonly keys: KeyStore
  readonly knownHosts: KnownHosts

  constructor(private readonly options: PoolOptions) {
    this.keys = new KeyStore(options.promptPassphrase)
    this.knownHosts = new KnownHosts(options.ssh.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts'))
  }

  get(node: ClusterNode): Host {
    let host = this.hosts.get(node.name)
    if (!host) {
      host = this.create(node)
      this.hosts.set(node.name, host)
    }
    return host
  }

  private create(node: ClusterNode): Host {
    const {ssh} = this.options
    const identity = {
      name: node.name,
      username: node.username,
      sudoPassword: node.sudoPassword ?? node.password,
      commandTimeoutMs: ssh.commandTimeoutMs,
    }
    // A node on this machine with the same login runs commands directly, without SSH.
    if (isLocalAddress(node.host) && node.port === 22 && node.username === userInfo().username) {
      return new LocalHost(identity)
    }
    const identityFile = node.identityFile ?? ssh.identityFile
    return new SshHost({
      ...identity,
      host: node.host,
      port: node.port,
      auth: {
        username: node.username,
        password: node.password,
        identityFile: identityFile ? expandHome(identityFile) : undefined,
        useAgent: ssh.useAgent,
      },
      keys: this.keys,
      knownHosts: this.knownHosts,
      hostKeyPolicy: ssh.hostKeyPolicy,
      connectTimeoutMs: ssh.connectTimeoutMs,
      keepaliveIntervalMs: ssh.keepaliveIntervalMs,
    })
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((host) => host.close()))
    this.hosts.clear()
  }
}
