/**
 * What deploy waits for on admin_cli, judged in TypeScript on the output parsed by the same parsers status
 * uses (admin-cli-output.ts). A wait is plain data (it is part of a plan, shown by `deploy --plan --json`
 * and fingerprinted); `judgeAdminCliWait` turns it into a verdict on one poll's output, with a short
 * account of the state that `deploy` reports when the wait times out.
 */
import {AdminCliError, parseListChains, parseListNodes, type ChainRow} from './admin-cli-output.js'

/**
 * list-nodes' Status column is the node status enum's name (3FS ee9a5ce src/client/cli/admin/ListNodes.cc:26;
 * PRIMARY_MGMTD and HEARTBEAT_CONNECTED are values of NodeStatus, src/fbs/mgmtd/MgmtdTypes.h:31-32).
 */
export type AdminCliWait =
  /** list-nodes shows a MGMTD row whose Status is PRIMARY_MGMTD (a mgmtd won the election). */
  | {kind: 'primary-mgmtd'}
  /** list-nodes shows every one of these ids, of this type, HEARTBEAT_CONNECTED. */
  | {kind: 'heartbeats'; nodeType: 'META' | 'STORAGE'; ids: number[]}
  /**
   * list-chains lists at least `atLeast` chains (at least one when not given), and every chain and every
   * replica of it is SERVING: nothing SYNCING, UNAVAILABLE, SERVING(x/n), nor a target WAITING, OFFLINE,
   * LASTSRV (m3fs #123: chains are UNAVAILABLE while storage starts).
   */
  | {kind: 'chains-serving'; atLeast?: number}

/** The admin_cli command a wait polls. */
export function adminCliWaitCommand(wait: AdminCliWait): 'list-nodes' | 'list-chains' {
  return wait.kind === 'chains-serving' ? 'list-chains' : 'list-nodes'
}

/** One line for plans: what the output must show. */
export function describeAdminCliWait(wait: AdminCliWait): string {
  switch (wait.kind) {
    case 'primary-mgmtd':
      return 'list-nodes: a MGMTD node PRIMARY_MGMTD'
    case 'heartbeats':
      return `list-nodes: ${wait.nodeType} ${wait.ids.join(', ')} HEARTBEAT_CONNECTED`
    case 'chains-serving':
      return `list-chains: ${wait.atLeast === undefined ? 'at least one chain' : `at least ${wait.atLeast} chains`}, every chain and every replica SERVING`
  }
}

export interface WaitVerdict {
  reached: boolean
  /** What the output showed, in a few words ("3 of 4 chains SERVING; 2 SYNCING"). */
  state: string
}

/** Judges one poll's output. admin_cli's `Encounter error` (e.g. mgmtd not up yet) is "not yet", never a pass. */
export function judgeAdminCliWait(wait: AdminCliWait, output: string): WaitVerdict {
  try {
    switch (wait.kind) {
      case 'primary-mgmtd':
        return primaryMgmtd(output)
      case 'heartbeats':
        return heartbeats(wait, output)
      case 'chains-serving':
        return chainsServing(wait, output)
    }
  } catch (error) {
    if (error instanceof AdminCliError) return {reached: false, state: error.message}
    throw error
  }
}

function primaryMgmtd(output: string): WaitVerdict {
  const mgmtd = parseListNodes(output).filter((row) => row.type === 'MGMTD')
  const primary = mgmtd.find((row) => row.status === 'PRIMARY_MGMTD')
  if (primary) return {reached: true, state: `mgmtd ${primary.id} is PRIMARY_MGMTD`}
  return {
    reached: false,
    state:
      mgmtd.length === 0
        ? 'no MGMTD node listed'
        : `no primary: ${mgmtd.map((row) => `${row.id} ${row.status || '?'}`).join(', ')}`,
  }
}

function heartbeats(wait: Extract<AdminCliWait, {kind: 'heartbeats'}>, output: string): WaitVerdict {
  const rows = parseListNodes(output).filter((row) => row.type === wait.nodeType)
  const status = new Map(rows.map((row) => [row.id, row.status]))
  const missing = wait.ids.filter((id) => status.get(id) !== 'HEARTBEAT_CONNECTED')
  const connected = wait.ids.length - missing.length
  if (missing.length === 0) return {reached: true, state: `${connected} ${wait.nodeType} connected`}
  const shown = missing.slice(0, 5).map((id) => `${id} ${status.get(id) ?? 'not listed'}`)
  return {
    reached: false,
    state: `${connected} of ${wait.ids.length} ${wait.nodeType} connected; ${shown.join(', ')}${missing.length > 5 ? `, ${missing.length - 5} more` : ''}`,
  }
}

/**
 * SERVING with no (x/n) part means every target serves (ListChains.cc:51-60 at ee9a5ce); the targets' own
 * states are checked as well, so a table whose cells disagree is never taken as healthy.
 */
export function chainFullyServing(chain: ChainRow): boolean {
  return (
    chain.status === 'SERVING' &&
    (!chain.serving || chain.serving.up === chain.serving.total) &&
    chain.targets.every((target) => target.publicState === 'SERVING')
  )
}

function chainsServing(wait: Extract<AdminCliWait, {kind: 'chains-serving'}>, output: string): WaitVerdict {
  const chains = parseListChains(output)
  const serving = chains.filter(chainFullyServing).length
  const want = wait.atLeast ?? 1
  const counts = new Map<string, number>()
  for (const chain of chains) {
    if (chainFullyServing(chain)) continue
    const state = chain.serving
      ? `${chain.status}(${chain.serving.up}/${chain.serving.total})`
      : chain.status === 'SERVING'
        ? 'SERVING with a replica not serving'
        : chain.status || '?'
    counts.set(state, (counts.get(state) ?? 0) + 1)
  }
  const others = [...counts].map(([state, count]) => `${count} ${state}`).join(', ')
  const state = `${serving} of ${chains.length} chains SERVING${others ? `; ${others}` : ''}${chains.length < want ? `; ${want} expected` : ''}`
  return {reached: chains.length >= want && serving === chains.length, state}
}
