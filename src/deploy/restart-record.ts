/**
 * A restart's progress, kept beside cluster.yml (the `restart` entry of .3fs-cli/<cluster>.state.json)
 * from its first step until its last: a run that stopped (a node not back in time, a chain that would go
 * down, Ctrl-C) leaves it, and the next run of the same restart skips the nodes it lists as done. A
 * complete run removes it, so the restart after that restarts every node again.
 */
import type {Cluster} from '../config/model.js'
import {localStatePath, readLocalState, writeLocalState, type RestartProgress} from './state.js'

export type {RestartProgress}

export async function readRestartProgress(cluster: Cluster): Promise<RestartProgress | undefined> {
  return (await readLocalState(localStatePath(cluster.file, cluster.name)))?.restart
}

/** Writes (or with undefined removes) the restart entry, leaving the rest of the record as it is. */
export async function writeRestartProgress(cluster: Cluster, progress: RestartProgress | undefined): Promise<void> {
  const path = localStatePath(cluster.file, cluster.name)
  const local = (await readLocalState(path)) ?? {cluster: cluster.name, updatedAt: '', applied: {}}
  const {restart: _previous, ...rest} = local
  await writeLocalState(path, {
    ...rest,
    ...(progress ? {restart: progress} : {}),
    updatedAt: new Date().toISOString(),
  })
}
