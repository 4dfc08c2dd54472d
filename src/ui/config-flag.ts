/** The -c/--config flag shared by every command that reads cluster.yml. */
import {Flags} from '@oclif/core'

import {DEFAULT_CONFIG_FILE, loadClusterFile} from '../config/loader.js'
import type {Cluster} from '../config/model.js'
import type {PoolOptions} from '../remote/pool.js'
import {canPrompt, promptSecret} from './prompt.js'

export const configFlag = Flags.string({
  char: 'c',
  description: 'Path of cluster.yml.',
  default: DEFAULT_CONFIG_FILE,
  env: 'THREEFS_CLUSTER_CONFIG',
})

export const sshFlags = {
  'known-hosts': Flags.string({
    description: 'known_hosts file to verify node host keys against (overrides ssh.knownHostsFile).',
    helpGroup: 'SSH',
  }),
  'accept-new-host-keys': Flags.boolean({
    description: 'Record host keys of nodes not yet in known_hosts (changed keys are still refused).',
    helpGroup: 'SSH',
  }),
  concurrency: Flags.integer({
    description: 'Nodes worked on at once (default: ssh.concurrency, 64).',
    min: 1,
    max: 4096,
    helpGroup: 'SSH',
  }),
}

export {splitList} from './list.js'

/** cluster.yml with the SSH flags applied over its ssh: block. */
export async function loadClusterWithSshFlags(flags: {
  config: string
  'known-hosts'?: string
  'accept-new-host-keys'?: boolean
}): Promise<Cluster> {
  const cluster = await loadClusterFile(flags.config)
  if (flags['known-hosts']) cluster.ssh.knownHostsFile = flags['known-hosts']
  if (flags['accept-new-host-keys']) {
    cluster.ssh.hostKeyPolicy = 'accept-new'
    cluster.ssh.given.hostKeyPolicy = '--accept-new-host-keys'
  }
  return cluster
}

/** Host pool options for a person at a terminal: encrypted keys get their passphrase asked once. */
export function interactivePoolOptions(): Partial<PoolOptions> {
  return {promptPassphrase: canPrompt() ? (file) => promptSecret(`Passphrase for ${file}: `) : undefined}
}
