/** The -c/--config flag shared by every command that reads cluster.yml. */
import {Flags} from '@oclif/core'

import {DEFAULT_CONFIG_FILE} from '../config/loader.js'

export const configFlag = Flags.string({
  char: 'c',
  description: 'Path of cluster.yml.',
  default: DEFAULT_CONFIG_FILE,
  env: 'THREEFS_CLUSTER_CONFIG',
})

export const sshFlags = {
  'known-hosts': Flags.string({description: 'known_hosts file to verify node host keys against (overrides ssh.knownHostsFile).', helpGroup: 'SSH'}),
  'accept-new-host-keys': Flags.boolean({description: 'Record host keys of nodes not yet in known_hosts (changed keys are still refused).', helpGroup: 'SSH'}),
  concurrency: Flags.integer({description: 'Nodes worked on at once (default: ssh.concurrency, 64).', min: 1, max: 4096, helpGroup: 'SSH'}),
}
