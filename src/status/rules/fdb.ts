/** FoundationDB, as `fdbcli --exec 'status json'` on an fdb node reports it. */
import {parseFdbStatus, type FdbState} from '../fdb.js'
import type {NodeState} from '../node-state.js'
import {type Problem, type RuleContext} from './types.js'

export function fdbProblems(
  text: string | undefined,
  nodes: NodeState[],
  context: RuleContext,
): {fdb?: FdbState; problems: Problem[]; missing: string[]} {
  const {layout, cli} = context
  if (text === undefined) return {problems: [], missing: layout.fdbNodes.length > 0 ? ['fdb/status.json'] : []}
  const fdb = parseFdbStatus(text)
  const logs = cli(`exec {c} --service fdb --sudo -- ${layout.runtime} logs --tail 100 ${layout.fdbContainer}`)
  if (!fdb.parsed) {
    // A stopped fdb container is already reported with its node: it says why fdbcli gave nothing.
    const containerDown = nodes.some(
      (node) =>
        layout.fdbNodes.includes(node.name) &&
        node.containers.some(
          (entry) => entry.container === layout.fdbContainer && entry.state !== 'running' && entry.state !== 'unknown',
        ),
    )
    if (containerDown) return {problems: [], missing: []}
    return {
      fdb,
      problems: [
        {
          severity: 'error',
          subject: 'fdb',
          cause: `fdbcli gave no status: ${fdb.error}`,
          next: `Check the fdb container: ${logs}`,
        },
      ],
      missing: [],
    }
  }
  const messages = fdb.messages.length ? `: ${fdb.messages.join('; ')}` : ''
  if (!fdb.available) {
    return {
      fdb,
      problems: [
        {
          severity: 'critical',
          subject: 'fdb',
          cause: `FoundationDB is unavailable${messages}; mgmtd and meta cannot work without it`,
          next: `Bring the fdb nodes back (${layout.fdbNodes.join(', ')}) and read: ${logs}`,
        },
      ],
      missing: [],
    }
  }
  if (!fdb.healthy) {
    return {
      fdb,
      problems: [
        {
          severity: 'warning',
          subject: 'fdb',
          cause: `FoundationDB is available but not healthy${messages}`,
          next: `See the details: ${cli(`exec {c} --service fdb --sudo -- ${layout.runtime} exec ${layout.fdbContainer} fdbcli --exec status`)}`,
        },
      ],
      missing: [],
    }
  }
  return {fdb, problems: [], missing: []}
}
