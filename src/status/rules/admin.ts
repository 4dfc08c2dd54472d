/**
 * admin_cli's view of the cluster: which commands answered, which failed and why, and what the
 * verdict can still rest on when only some answered. admin_cli prints errors on stdout as
 * `Encounter error: <code>(<Ns>::<Name>)` with an optional message line (client/cli/common/Dispatcher.cc:41-51;
 * names from common/utils/StatusCode.cc:9-22), so every output is read, never only the exit code.
 */
import {
  AdminCliError,
  findAdminCliError,
  listClientsBootstrapping,
  parseListChainTables,
  parseListChains,
  parseListClients,
  parseListNodes,
  parseListTargets,
  type ChainRow,
  type ChainTableRow,
  type ClientRow,
  type NodeRow,
  type TargetRow,
} from '../../cluster/admin-cli-output.js'
import type {NodeState} from '../node-state.js'
import type {AdminCommand} from '../probe-scripts.js'
import {chainsFromTargets} from './chains.js'
import {type Problem, type RuleContext} from './types.js'

export interface AdminTables {
  nodes?: NodeRow[]
  chains?: ChainRow[]
  targets?: TargetRow[]
  chainTables?: ChainTableRow[]
  clients?: ClientRow[]
}

/** What the admin_cli part of a verdict rests on. */
export interface AdminBasis {
  /** The mgmtd node admin_cli ran on. */
  asked?: string
  answered: AdminCommand[]
  failed: Array<{command: AdminCommand; error: string}>
  /** Set when list-chains failed and the chains were rebuilt from list-targets. */
  chainsFrom?: 'list-targets'
  /** list-clients said mgmtd is still bootstrapping. */
  mgmtdBootstrapping?: boolean
}

export interface AdminRawInput {
  node?: string
  sections: Record<string, string>
  error?: {kind: string; message: string}
}

const COMMANDS: AdminCommand[] = ['list-nodes', 'list-chains', 'list-targets', 'list-chain-tables', 'list-clients']

/**
 * What each admin_cli error code usually means for a user when mgmtd answers nothing. 6004: admin_cli's
 * mgmtd client holds no routing info when a command asks for it (client/bin/admin_cli.cc:157-161); the
 * StatusException is printed with its own code (client/cli/common/Dispatcher.cc:152-157), no message line.
 */
const ADMIN_ERROR_HINTS: Record<string, string> = {
  RoutingInfoNotReady:
    'admin_cli cannot reach mgmtd: mgmtd is down, or its RDMA listener is not on a NIC 3FS accepts (en*, eth*, bond*, xgbe*; ib* as IPoIB)',
}

/** The same code when other commands did answer: mgmtd is reachable. */
const PARTIAL_ERROR_HINTS: Record<string, string> = {
  RoutingInfoNotReady:
    'mgmtd answered the other commands, so it is reachable; its routing info was not ready for this one (mgmtd just started or a new primary took over)',
}

function parseOne(command: AdminCommand, text: string): unknown {
  const error = findAdminCliError(text)
  if (error) throw error
  if (!/\S/.test(text) || !/^\s*[A-Z][A-Za-z]+\s{2,}[A-Z]/m.test(text))
    throw new Error(`no table in its output: ${text.trim().split('\n')[0] || 'empty output'}`)
  switch (command) {
    case 'list-nodes':
      return parseListNodes(text)
    case 'list-chains':
      return parseListChains(text)
    case 'list-targets':
      return parseListTargets(text)
    case 'list-chain-tables':
      return parseListChainTables(text)
    case 'list-clients':
      return parseListClients(text)
  }
}

const KEYS: Record<AdminCommand, keyof AdminTables> = {
  'list-nodes': 'nodes',
  'list-chains': 'chains',
  'list-targets': 'targets',
  'list-chain-tables': 'chainTables',
  'list-clients': 'clients',
}

/** What a failing command leaves unseen, and how bad that is when other commands answered. */
const PARTIAL_LOSS: Record<AdminCommand, {severity: Problem['severity']; unseen: string}> = {
  'list-nodes': {severity: 'error', unseen: 'services, their heartbeats and config versions are not judged'},
  'list-chains': {severity: 'error', unseen: 'chains cannot be judged'},
  'list-targets': {severity: 'warning', unseen: "targets' nodes and disks are taken from their ids"},
  'list-chain-tables': {severity: 'warning', unseen: 'the replica count is taken from cluster.yml'},
  'list-clients': {severity: 'warning', unseen: 'clients are not listed'},
}

export function readAdmin(
  raw: AdminRawInput,
  nodes: NodeState[],
  context: RuleContext,
): {tables: AdminTables; basis: AdminBasis; problems: Problem[]; missing: string[]} {
  const {layout, cli} = context
  const tables: AdminTables = {}
  const problems: Problem[] = []
  const missing: string[] = []
  const asked = raw.node ?? layout.adminNodes.find((node) => node !== 'unknown')
  const basis: AdminBasis = {...(asked ? {asked} : {}), answered: [], failed: []}
  // admin_cli runs inside the mgmtd container: when that container is known not to run, the node's
  // container problem already says why, and one line says what cannot be seen because of it. The node is
  // the one asked (an "unknown" first admin node is passed over there too).
  const adminNode = nodes.find((node) => node.name === asked)
  const mgmtd = adminNode?.containers.find((entry) => entry.container === layout.mgmtdContainer)
  if (mgmtd && mgmtd.state !== 'running' && mgmtd.state !== 'unknown') {
    problems.push({
      severity: 'critical',
      subject: 'mgmtd',
      cause: `admin_cli cannot run on ${adminNode!.name}: its ${layout.mgmtdContainer} container is ${mgmtd.state}, so nodes, chains and targets cannot be seen`,
      next: 'Fix the container problem of that node first (see above).',
    })
    return {tables, basis, problems, missing}
  }
  if (raw.error) {
    problems.push({
      severity: 'critical',
      subject: 'mgmtd',
      cause: `admin_cli could not be run on any mgmtd node (${layout.adminNodes.join(', ') || 'none configured'}): ${raw.error.message}`,
      next: `Reach a mgmtd node first: ${cli('exec {c} --service mgmtd -- true')}`,
    })
    return {tables, basis, problems, missing}
  }
  const errors = new Map<AdminCommand, unknown>()
  for (const command of COMMANDS) {
    const text = raw.sections[`admin_cli/${command}`]
    if (text === undefined) {
      if (layout.adminNodes.length > 0) missing.push(`admin_cli/${command}.txt`)
      continue
    }
    try {
      ;(tables as Record<string, unknown>)[KEYS[command]] = parseOne(command, text)
      basis.answered.push(command)
      if (command === 'list-clients' && listClientsBootstrapping(text)) basis.mgmtdBootstrapping = true
    } catch (error) {
      errors.set(command, error)
      basis.failed.push({command, error: error instanceof Error ? error.message : String(error)})
    }
  }
  // The mgmtd node to look at: the one asked, else the primary mgmtd list-nodes names.
  const primary = tables.nodes?.find((row) => row.status === 'PRIMARY_MGMTD')?.hostname
  const where = asked ?? primary
  const mgmtdLogs = `Check mgmtd on ${where ?? 'its node'}: ${cli(`exec {c} --service mgmtd --sudo -- ${layout.runtime} logs --tail 100 ${layout.mgmtdContainer}`)}`
  const someAnswered = basis.answered.some(
    (command) => command === 'list-nodes' || command === 'list-chains' || command === 'list-targets',
  )
  if (!tables.chains && errors.has('list-chains') && tables.targets) {
    tables.chains = chainsFromTargets(tables.targets)
    basis.chainsFrom = 'list-targets'
  }
  let reported = false
  for (const [command, error] of errors) {
    const name = error instanceof AdminCliError ? (error.errorName.split('::').pop() ?? '') : ''
    const message = error instanceof Error ? error.message : String(error)
    if (someAnswered) {
      const hint = PARTIAL_ERROR_HINTS[name]
      const loss = PARTIAL_LOSS[command]
      const unseen =
        command === 'list-chains' && basis.chainsFrom
          ? `chains are judged from list-targets instead (${tables.chains!.length} chains)`
          : loss.unseen
      problems.push({
        severity: command === 'list-chains' && basis.chainsFrom ? 'warning' : loss.severity,
        subject: `admin_cli ${command}`,
        cause: `${message} on ${where ?? 'the mgmtd node'}${hint ? ` — ${hint}` : ''}; ${unseen}`,
        next: `Run status again in a few seconds; if it persists, ${mgmtdLogs.charAt(0).toLowerCase()}${mgmtdLogs.slice(1)}`,
      })
      continue
    }
    // Nothing answered: one problem for a mgmtd that does not answer, not one per table.
    const core = command === 'list-nodes' || command === 'list-chains'
    if (reported && !core) continue
    const hint = ADMIN_ERROR_HINTS[name]
    problems.push({
      severity: core ? 'critical' : 'error',
      subject: `admin_cli ${command}`,
      cause: `${message}${hint ? ` — ${hint}` : ''}`,
      next: mgmtdLogs,
    })
    reported = true
  }
  if (basis.mgmtdBootstrapping) {
    problems.push({
      severity: 'warning',
      subject: `mgmtd${primary || where ? ` on ${primary ?? where}` : ''}`,
      cause:
        'mgmtd is bootstrapping (it just started, or took over as primary): list-clients says "The client list may be incomplete", and sessions it has not yet loaded are missing from the view',
      next: `Run status again in a minute; if it still bootstraps, ${mgmtdLogs.charAt(0).toLowerCase()}${mgmtdLogs.slice(1)}`,
    })
  }
  return {tables, basis, problems, missing}
}
