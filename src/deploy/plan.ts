/** deploy --plan: the ordered stages and actions for a cluster, computed without touching any node. */
import {describeAdminCliWait, type AdminCliWait} from '../cluster/admin-cli-waits.js'
import type {Cluster} from '../config/model.js'
import {deployContext} from './context.js'
import {allActions, holdsSecret, sha256, type Action, type Plan, type Stage} from './model.js'
import {chainActions} from './services/chains.js'
import {clickhouseActions} from './services/clickhouse.js'
import {clientActions} from './services/client.js'
import {fdbActions} from './services/fdb.js'
import {grafanaActions} from './services/grafana.js'
import {hostActions} from './services/host.js'
import {imageActions, type ImageOptions} from './services/images.js'
import {metaActions} from './services/meta.js'
import {mgmtdActions} from './services/mgmtd.js'
import {monitorActions} from './services/monitor.js'
import {storageActions} from './services/storage.js'
import {BugError} from '../errors.js'
import {idsOfNode, type ClusterLayout} from './layout.js'

export interface PlanOptions extends ImageOptions {
  runtime?: string
  /** The recorded layout resolved against cluster.yml; without it ids follow cluster.yml's order. */
  layout?: ClusterLayout
  /** Chains exist already (recorded): storage restarts roll (services/rolling.ts). */
  live?: boolean
}

/** A first deploy follows 3FS's deploy order: mgmtd before the services that register with it. */
const FIRST_ORDER = ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta', 'storage', 'chains', 'client', 'grafana'] as const

/**
 * On a live cluster (chains uploaded) a changed image or config restarts services one node at a time
 * (services/rolling.ts) in this order. Storage first, judged by a mgmtd that has run throughout: a mgmtd
 * that just took the lease is "bootstrapping" for bootstrapping_length (2 min, 3FS ee9a5ce
 * src/mgmtd/service/MgmtdConfig.h:21; set on a new lease in src/mgmtd/service/MgmtdData.cc:164-170 and
 * src/mgmtd/background/MgmtdLeaseExtender.cc:239-255), and while bootstrapping it hands out no trusted
 * lease (src/mgmtd/service/MgmtdState.cc:66-75) and reports routing info as bootstrapping
 * (MgmtdData.cc:97), so chain states read from it right after its restart are not yet a verdict. Meta
 * next, also while mgmtd is steady: a restarted meta counts as back when mgmtd lists its heartbeat, and
 * mgmtd only marks a node failed after heartbeat_fail_interval (60 s, MgmtdConfig.h:16, judged in
 * src/mgmtd/background/MgmtdHeartbeatChecker.cc:20). mgmtd after the services it judges, then the fuse
 * clients, which only consume what the servers serve.
 */
const LIVE_ORDER = ['fdb', 'clickhouse', 'monitor', 'storage', 'meta', 'mgmtd', 'chains', 'client', 'grafana'] as const

export function buildPlan(cluster: Cluster, options: PlanOptions = {}): Plan {
  const context = deployContext(cluster, options.runtime, options.layout, options.live)
  const stage: Record<(typeof FIRST_ORDER)[number], Stage> = {
    fdb: {name: 'FoundationDB', service: 'fdb', actions: fdbActions(context)},
    clickhouse: {name: 'ClickHouse', service: 'clickhouse', actions: clickhouseActions(context)},
    monitor: {name: 'Monitor collector', service: 'monitor', actions: monitorActions(context)},
    mgmtd: {name: 'mgmtd', service: 'mgmtd', actions: mgmtdActions(context)},
    meta: {name: 'meta', service: 'meta', actions: metaActions(context)},
    storage: {name: 'storage', service: 'storage', actions: storageActions(context)},
    chains: {name: 'Chains', service: 'mgmtd', actions: chainActions(context)},
    client: {name: 'fuse client', service: 'client', actions: clientActions(context)},
    grafana: {name: 'Grafana', service: 'grafana', actions: grafanaActions(context)},
  }
  const hosts: Stage[] = [
    {name: 'Prepare hosts', service: 'host', actions: hostActions(context)},
    {name: options.artifact ? 'Load images' : 'Pull images', service: 'host', actions: imageActions(context, options)},
  ]
  const stages = [...hosts, ...(context.live ? LIVE_ORDER : FIRST_ORDER).map((name) => stage[name])].filter(
    (entry) => entry.actions.length > 0,
  )
  const plan: Plan = {cluster: cluster.name, stateDir: context.paths.state, stages, layout: context.layout}
  const ids = new Set<string>()
  for (const action of allActions(plan)) {
    if (ids.has(action.id)) throw new BugError(`deploy plan has two actions with id ${action.id}`)
    ids.add(action.id)
  }
  return plan
}

/** The JSON shape of `deploy --plan --json`: secrets never leave in clear. */
export interface PlannedAction {
  stage: string
  node: string
  service: string
  kind: Action['kind']
  description: string
  path?: string
  content?: string
  sha256?: string
  mode?: string
  command?: string
  stdin?: string
  until?: string
  /** A wait on admin_cli output: what its parsed output must show, as data and in words. */
  expect?: AdminCliWait & {text: string}
  /** A 3FS config file: the shipped file it was rendered from and each key that differs from it. */
  config?: NonNullable<Action['config']>
  fingerprint: string
}

/** A file's content as a plan shows it: secret values replaced by <secret>, a wholly secret file not shown. */
export function shownContent(action: Action): string | undefined {
  if (action.content === undefined) return undefined
  if (action.secret) return '<secret: not shown>'
  let content = action.content
  for (const value of action.redact ?? []) content = content.split(value).join('<secret>')
  return content
}

/** Whether the record beside cluster.yml says the action already ran (actions that always run are never hidden). */
function recordedApplied(plan: Plan, action: Action): boolean {
  const recorded = (node: string, fingerprint: string) => plan.recorded?.[node]?.includes(fingerprint) ?? false
  return (
    (!action.always && recorded(action.node, action.fingerprint)) ||
    (action.runsWith !== undefined && recorded(action.runsWith.node, action.runsWith.fingerprint))
  )
}

export interface PlanJson {
  cluster: string
  /** Each node's ids per service (assigned once, recorded beside cluster.yml, never renumbered). */
  nodeIds: Array<{node: string; ids: ReturnType<typeof idsOfNode>}>
  /** Chain table 1 versions this cluster has (or gets with this plan): chains per version. */
  chainTable: Array<{version: number; chains: number; newChains: number; storageNodeIds: number[]}>
  /** Actions the record beside cluster.yml shows as applied already: left out of `actions` (deploy re-checks each node). */
  alreadyApplied: number
  stages: Array<{name: string; actions: number; nodes: number}>
  actions: PlannedAction[]
}

export function planJson(plan: Plan): PlanJson {
  const pending = plan.stages
    .map((stage) => ({...stage, actions: stage.actions.filter((action) => !recordedApplied(plan, action))}))
    .filter((stage) => stage.actions.length > 0)
  let chains = 0
  return {
    cluster: plan.cluster,
    nodeIds: plan.layout
      ? [...new Set(Object.values(plan.layout.nodeIds).flatMap((ids) => Object.keys(ids)))].map((node) => ({
          node,
          ids: idsOfNode(plan.layout!, node),
        }))
      : [],
    chainTable: (plan.layout?.chainGenerations ?? []).map((entry) => ({
      version: entry.version,
      chains: (chains += entry.table.chains.length),
      newChains: entry.table.chains.length,
      storageNodeIds: entry.nodeIds,
    })),
    alreadyApplied: allActions(plan).length - pending.reduce((sum, stage) => sum + stage.actions.length, 0),
    stages: pending.map((stage) => ({
      name: stage.name,
      actions: stage.actions.length,
      nodes: new Set(stage.actions.map((action) => action.node)).size,
    })),
    actions: pending.flatMap((stage) =>
      stage.actions.map((action) => ({
        stage: stage.name,
        node: action.node,
        service: action.service,
        kind: action.kind,
        description: action.description,
        ...(action.path ? {path: action.path} : {}),
        // No sha256 of a file holding a secret: with the rest of the file known, it would test password guesses.
        ...(action.content !== undefined
          ? {content: shownContent(action), ...(holdsSecret(action) ? {} : {sha256: sha256(action.content)})}
          : {}),
        ...(action.contentFrom
          ? {content: `<from ${action.contentFrom.node}:${action.contentFrom.path} at apply time>`}
          : {}),
        ...(action.mode ? {mode: action.mode} : {}),
        ...(action.command ? {command: action.command} : {}),
        ...(action.stdin
          ? {
              stdin:
                action.stdin.length > 2000
                  ? `${action.stdin.slice(0, 2000)}... (${action.stdin.split('\n').length - 1} lines)`
                  : action.stdin,
            }
          : {}),
        ...(action.until ? {until: action.until} : {}),
        ...(action.adminCliWait
          ? {expect: {...action.adminCliWait, text: describeAdminCliWait(action.adminCliWait)}}
          : {}),
        ...(action.config ? {config: action.config} : {}),
        fingerprint: action.fingerprint,
      })),
    ),
  }
}
