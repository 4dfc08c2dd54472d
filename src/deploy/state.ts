/**
 * What has been applied. The truth is on the nodes: one marker file per applied action, named by its
 * fingerprint, under <workDir>/.3fs-cli/applied (a reinstalled node has none, so it gets everything
 * again). A copy is kept beside cluster.yml (.3fs-cli/<cluster>.state.json) for the record.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {UserError} from '../errors.js'
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

/**
 * The local record, or undefined when there is none yet. A record that exists but cannot be read is an
 * error, not "none": it holds the node ids and chain-table versions of a live cluster, and a deploy that
 * took it for absent would number the nodes afresh from cluster.yml and upload a new chain table.
 */
export async function readLocalState(path: string): Promise<LocalState | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UserError(`cannot read the deploy record ${path}: ${(error as Error).message}`, {
      next: 'Make it readable for this user (it records node ids and chain tables); nothing was changed.',
      cause: error,
    })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw corrupt(path, `not JSON (${(error as Error).message})`)
  }
  const state = value as Partial<LocalState> | null
  if (
    typeof state !== 'object' ||
    state === null ||
    Array.isArray(state) ||
    typeof state.cluster !== 'string' ||
    typeof state.applied !== 'object' ||
    state.applied === null ||
    Array.isArray(state.applied) ||
    (state.layout !== undefined && (typeof state.layout !== 'object' || state.layout === null))
  )
    throw corrupt(path, 'not a 3fs-cli deploy record (needs "cluster", "applied" and an optional "layout" object)')
  return state as LocalState
}

function corrupt(path: string, why: string): UserError {
  return new UserError(`the deploy record ${path} is damaged: ${why}`, {
    next: [
      'It holds the node ids and chain-table versions of the deployed cluster: restore it from a backup or version control.',
      'Only if this cluster was never deployed: remove the file and run the command again.',
      'Nothing was changed on any node.',
    ],
  })
}

export async function writeLocalState(path: string, state: LocalState): Promise<void> {
  await mkdir(dirname(path), {recursive: true})
  const temp = `${path}.${process.pid}.tmp`
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`)
  await rename(temp, path)
}
