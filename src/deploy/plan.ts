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

export function buildPlan(cluster: Cluster, options: PlanOptions = {}): Plan {
  const context = deployContext(cluster, options.runtime, options.layout, options.live)
  const stages: Stage[] = [
    {name: 'Prepare hosts', service: 'host', actions: hostActions(context)},
    {name: options.artifact ? 'Load images' : 'Pull images', service: 'host', actions: imageActions(context, options)},
    {name: 'FoundationDB', service: 'fdb', actions: fdbActions(context)},
    {name: 'ClickHouse', service: 'clickhouse', actions: clickhouseActions(context)},
    {name: 'Monitor collector', service: 'monitor', actions: monitorActions(context)},
    {name: 'mgmtd', service: 'mgmtd', actions: mgmtdActions(context)},
    {name: 'meta', service: 'meta', actions: metaActions(context)},
    {name: 'storage', service: 'storage', actions: storageActions(context)},
    {name: 'Chains', service: 'mgmtd', actions: chainActions(context)},
    {name: 'fuse client', service: 'client', actions: clientActions(context)},
    {name: 'Grafana', service: 'grafana', actions: grafanaActions(context)},
  ].filter((stage) => stage.actions.length > 0) as Stage[]
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
