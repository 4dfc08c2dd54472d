/** Flags shared by the bench commands: where they run (this machine, or cluster nodes) and data size. */
import {Flags} from '@oclif/core'

import type {Cluster} from '../config/model.js'

export const targetFlags = {
  config: Flags.string({
    char: 'c',
    description:
      'cluster.yml: run on its client nodes over SSH, in a directory on the 3FS mount. Without it, runs on this machine.',
    helpGroup: 'WHERE',
  }),
  nodes: Flags.string({
    description: 'Comma-separated node names to use instead of all client nodes (needs -c).',
    dependsOn: ['config'],
    helpGroup: 'WHERE',
  }),
  dir: Flags.string({
    description:
      "Directory for the run's files (default: a new temp dir, or <mount>/graysort/run-<time> on a cluster).",
    helpGroup: 'WHERE',
  }),
}

/** Loaded only when -c is given: a local benchmark need not load the YAML and schema libraries. */
export async function loadOptionalCluster(file: string | undefined): Promise<Cluster | undefined> {
  if (file === undefined) return undefined
  const {loadClusterFile} = await import('../config/loader.js')
  return loadClusterFile(file)
}

export {splitList} from './list.js'
