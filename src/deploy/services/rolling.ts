/**
 * Restarts on a live cluster (one whose chains were uploaded by an earlier deploy) go one node at a time:
 * a changed image tag (an upgrade) or config restarts storage, then meta, then mgmtd (the stage order is
 * plan.ts's LIVE_ORDER, reasons there), each node a step of its own:
 *   storage: guard, start (checked still running), wait until every chain is SERVING with every replica;
 *   meta, mgmtd: start (checked still running), wait until the node is back in list-nodes.
 * The guard (before a storage start) fails at once, naming the chain, when a chain's last SERVING replica
 * is on the node (chain-guard.ts); otherwise it waits for every chain SERVING. It runs on every deploy
 * whose start is still to do (always + runsWith), so a resumed upgrade judges the cluster as it is then.
 * A start is recorded only when its container still runs a moment later (withRunningCheck), so a re-run
 * after a failure starts that node again and skips the nodes finished before it. The wait after a start
 * runs with its start; should it fail, the re-run skips it, and the next node's guard waits instead.
 * A first deploy keeps starting every node of a service at once (there are no chains yet).
 */
import {GUARD_SEPARATOR} from '../chain-guard.js'
import type {DeployContext} from '../context.js'
import {action, barrier, type Action} from '../model.js'
import {shellQuote} from '../../remote/shell.js'
import {adminCliCommand, waitForAdminCli} from './common.js'

/** How long after `docker run` a started container must still be running, not restarting (a crash on start). */
export const RUNNING_CHECK_SECONDS = 3

function guard(context: DeployContext, start: Action): Action {
  const storageId = context.nodeIds.storage.get(start.node)!
  const wait = waitForAdminCli(
    context,
    'storage',
    `before:${start.node}`,
    `before (re)starting storage on ${start.node}: no chain may have its last SERVING replica there; wait until every chain is SERVING with every replica`,
    {kind: 'chains-serving'},
    600_000,
  )
  // One poll prints both listings: list-targets for the guard, then list-chains, which the wait judges.
  const command = `${adminCliCommand(context, 'list-targets')}; echo ${shellQuote(GUARD_SEPARATOR)}; ${wait.command!} # ${start.fingerprint}`
  return {
    ...action({...wait, command}),
    chainGuard: {node: start.node, storageId},
    always: true,
    runsWith: {node: start.node, fingerprint: start.fingerprint},
  }
}

/**
 * Judged right after a rolled start, before the start is recorded: a container that exits on start (bad
 * image, bad config) fails the start at once with its last log lines, and a re-run starts it again.
 */
export function withRunningCheck(context: DeployContext, start: Action): Action {
  const rt = shellQuote(context.runtime)
  const name = context.containers[start.service as keyof DeployContext['containers']]
  const container = shellQuote(name)
  return {
    ...start,
    description: `${start.description}, then check it still runs ${RUNNING_CHECK_SECONDS} s later`,
    verifyAfter: [
      `sleep ${RUNNING_CHECK_SECONDS}`,
      `state=$(${rt} inspect --format '{{.State.Status}} restarts={{.RestartCount}}' ${container} 2>&1)`,
      `if [ "$state" != 'running restarts=0' ]; then echo "${name} is $state after its start; its last log lines:"; ${rt} logs --tail 20 ${container} 2>&1; exit 1; fi`,
    ].join('\n'),
  }
}

function chainsServingAfter(context: DeployContext, start: Action): Action {
  return runsWith(
    start,
    waitForAdminCli(
      context,
      'storage',
      `after:${start.node}`,
      `after (re)starting storage on ${start.node}: wait until every chain is SERVING with every replica`,
      {kind: 'chains-serving'},
      600_000,
      start.fingerprint,
    ),
  )
}

function runsWith(start: Action, wait: Action): Action {
  return {...wait, runsWith: {node: start.node, fingerprint: start.fingerprint}}
}

/**
 * meta: its id HEARTBEAT_CONNECTED in list-nodes again; mgmtd: a PRIMARY_MGMTD listed again (the waits
 * admin-cli-waits.ts knows; with one mgmtd that is the node restarted).
 */
function nodeBack(context: DeployContext, start: Action): Action {
  const service = start.service as 'meta' | 'mgmtd'
  const id = context.nodeIds[service].get(start.node)!
  return runsWith(
    start,
    waitForAdminCli(
      context,
      service,
      `back:${start.node}`,
      service === 'meta'
        ? `after (re)starting meta on ${start.node}: wait until META ${id} is HEARTBEAT_CONNECTED in list-nodes`
        : `after (re)starting mgmtd on ${start.node}: wait until a mgmtd is PRIMARY_MGMTD in list-nodes`,
      service === 'meta' ? {kind: 'heartbeats', nodeType: 'META', ids: [id]} : {kind: 'primary-mgmtd'},
      300_000,
      start.fingerprint,
    ),
  )
}

/** On a live cluster: each start of the stage becomes its own guarded, checked and waited-for step. */
export function rollStarts(context: DeployContext, actions: Action[]): Action[] {
  if (!context.live) return actions
  const isStart = (entry: Action) => entry.kind === 'start-container'
  const isHeartbeats = (entry: Action) => entry.id.endsWith(':wait:heartbeats')
  const rolled = actions
    .filter(isStart)
    .flatMap((start) =>
      start.service === 'storage'
        ? [guard(context, start), withRunningCheck(context, start), chainsServingAfter(context, start)]
        : [withRunningCheck(context, start), nodeBack(context, start)],
    )
  const starts = actions.filter(isStart)
  const lastStart = starts[starts.length - 1]
  if (!lastStart) return actions
  // Whatever followed the last start (the waits for every node, set-config) runs after the roll, in order.
  const before = actions.slice(0, actions.indexOf(starts[0]!)).filter((entry) => !isStart(entry))
  const between = actions
    .slice(actions.indexOf(starts[0]!), actions.indexOf(lastStart))
    .filter((entry) => !isStart(entry) && !isHeartbeats(entry))
  const after = actions.slice(actions.indexOf(lastStart) + 1)
  return [
    ...before,
    ...between,
    ...rolled.map(barrier),
    ...after.map((entry, index) => (index === 0 ? barrier(entry) : entry)),
  ]
}
