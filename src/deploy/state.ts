/**
 * What has been applied. The truth is on the nodes: one marker file per applied action, named by its
 * fingerprint, under <workDir>/.3fs-cli/applied (a reinstalled node has none, so it gets everything
 * again). A copy is kept beside cluster.yml (.3fs-cli/<cluster>.state.json) for the record.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {shellQuote} from '../remote/shell.js'
import type {Host} from '../remote/host.js'
import type {ClusterLayout} from './layout.js'
import type {Action} from './model.js'

export async function readNodeState(host: Host, stateDir: string, signal?: AbortSignal): Promise<Set<string>> {
  const result = await host.run(`ls -1 ${shellQuote(stateDir)} 2>/dev/null || true`, {
    sudo: true,
    signal,
    label: 'read deploy state',
  })
  return new Set(
    result.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^[0-9a-f]{20}$/.test(line)),
  )
}

/** Shell that records an action as applied (appended to the action's own command where it can be). */
export function markerCommand(stateDir: string, action: Action): string {
  return `mkdir -p ${shellQuote(stateDir)} && printf '%s\\n' ${shellQuote(action.id)} > ${shellQuote(`${stateDir}/${action.fingerprint}`)}`
}

export async function recordApplied(host: Host, stateDir: string, action: Action, signal?: AbortSignal): Promise<void> {
  await host.run(markerCommand(stateDir, action), {
    sudo: true,
    signal,
    check: true,
    label: `record ${action.fingerprint}`,
  })
}

export interface LocalState {
  cluster: string
  updatedAt: string
  /** Fingerprints of applied actions per node. */
  applied: Record<string, string[]>
  /** Node ids and chain-table generations, recorded before the first action of a deploy runs (layout.ts). */
  layout?: ClusterLayout
  /** A restart that has not finished (restart-record.ts). */
  restart?: RestartProgress
}

export interface RestartProgress {
  /** Every step of the restart in order, as service:node. */
  steps: string[]
  /** The steps finished, as service:node. */
  done: string[]
  startedAt: string
}

export function localStatePath(clusterFile: string, cluster: string): string {
  return join(dirname(clusterFile), '.3fs-cli', `${cluster.replace(/[^A-Za-z0-9_.-]/g, '_')}.state.json`)
}

export async function readLocalState(path: string): Promise<LocalState | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LocalState
  } catch {
    return undefined
  }
}

export async function writeLocalState(path: string, state: LocalState): Promise<void> {
  await mkdir(dirname(path), {recursive: true})
  const temp = `${path}.${process.pid}.tmp`
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`)
  await rename(temp, path)
}
