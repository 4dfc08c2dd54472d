/**
 * Storage containers on a live cluster (one whose chains were uploaded by an earlier deploy) start one
 * node at a time: a changed image tag (an upgrade) or config restarts them in a roll. Before each start
 * every chain must be SERVING with no replica OFFLINE, LASTSRV, WAITING or SYNCING, so no chain's last
 * serving replica is on the node restarted; after it, the same again before the next node. The waits
 * carry the start's fingerprint: they run exactly when the start runs (an unchanged node is skipped
 * whole: runsWith). A first deploy keeps starting storage everywhere at once (there are no chains yet).
 */
import type {DeployContext} from '../context.js'
import {barrier, type Action} from '../model.js'
import {waitForAdminCli} from './common.js'

function chainsServing(context: DeployContext, when: 'before' | 'after', start: Action): Action {
  const wait = waitForAdminCli(
    context,
    'storage',
    `${when}:${start.node}`,
    `${when === 'before' ? 'before' : 'after'} (re)starting storage on ${start.node}: wait until every chain is SERVING with every replica`,
    {kind: 'chains-serving'},
    600_000,
    start.fingerprint,
  )
  return {...wait, runsWith: {node: start.node, fingerprint: start.fingerprint}}
}

export function rollStorageStarts(context: DeployContext, actions: Action[]): Action[] {
  if (!context.live) return actions
  const isStart = (action: Action) => action.kind === 'start-container'
  const isHeartbeats = (action: Action) => action.id.endsWith(':wait:heartbeats')
  const rolled = actions
    .filter(isStart)
    .flatMap((start) => [
      barrier(chainsServing(context, 'before', start)),
      barrier(start),
      barrier(chainsServing(context, 'after', start)),
    ])
  return [
    ...actions.filter((action) => !isStart(action) && !isHeartbeats(action)),
    ...rolled,
    ...actions.filter(isHeartbeats),
  ]
}
