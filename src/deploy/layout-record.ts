/** The layout's place in the state beside cluster.yml: read before planning, written before applying. */
import type {Cluster} from '../config/model.js'
import {resolveLayout, type ClusterLayout} from './layout.js'
import {localStatePath, readLocalState, writeLocalState, type LocalState} from './state.js'

/** The layout for cluster.yml now, and what the record says is applied (for --plan). */
export async function layoutForCluster(
  cluster: Cluster,
): Promise<{layout: ClusterLayout; recorded: LocalState['applied']}> {
  const local = await readLocalState(localStatePath(cluster.file, cluster.name))
  return {layout: resolveLayout(cluster, local?.layout), recorded: local?.applied ?? {}}
}

/**
 * Written before the first action runs, so that ids and chains handed to any node are the ones a later
 * run (even after a failure and an edit of cluster.yml) plans with.
 */
export async function recordLayout(cluster: Cluster, layout: ClusterLayout): Promise<void> {
  const path = localStatePath(cluster.file, cluster.name)
  const local = (await readLocalState(path)) ?? {cluster: cluster.name, updatedAt: '', applied: {}}
  await writeLocalState(path, {...local, layout, updatedAt: new Date().toISOString()})
}
