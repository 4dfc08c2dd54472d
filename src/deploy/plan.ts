/** deploy --plan: the ordered stages and actions for a cluster, computed without touching any node. */
import type {Cluster} from '../config/model.js'
import {deployContext} from './context.js'
import {allActions, holdsSecret, sha256, type Action, type Plan, type Stage} from './model.js'
import {chainActions} from './services/chains.js'
import {clickhouseActions} from './services/clickhouse.js'
import {clientActions} from './services/client.js'
import {fdbActions} from './services/fdb.js'
import {hostActions} from './services/host.js'
import {imageActions, type ImageOptions} from './services/images.js'
import {metaActions} from './services/meta.js'
import {mgmtdActions} from './services/mgmtd.js'
import {monitorActions} from './services/monitor.js'
import {storageActions} from './services/storage.js'
import {BugError} from '../errors.js'

export interface PlanOptions extends ImageOptions {
  runtime?: string
}

export function buildPlan(cluster: Cluster, options: PlanOptions = {}): Plan {
  const context = deployContext(cluster, options.runtime)
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
  ].filter((stage) => stage.actions.length > 0) as Stage[]
  const plan: Plan = {cluster: cluster.name, stateDir: context.paths.state, stages}
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

export function planJson(plan: Plan): {cluster: string; stages: Array<{name: string; actions: number; nodes: number}>; actions: PlannedAction[]} {
  return {
    cluster: plan.cluster,
    stages: plan.stages.map((stage) => ({name: stage.name, actions: stage.actions.length, nodes: new Set(stage.actions.map((action) => action.node)).size})),
    actions: plan.stages.flatMap((stage) =>
      stage.actions.map((action) => ({
        stage: stage.name,
        node: action.node,
        service: action.service,
        kind: action.kind,
        description: action.description,
        ...(action.path ? {path: action.path} : {}),
        // No sha256 of a file holding a secret: with the rest of the file known, it would test password guesses.
        ...(action.content !== undefined ? {content: shownContent(action), ...(holdsSecret(action) ? {} : {sha256: sha256(action.content)})} : {}),
        ...(action.contentFrom ? {content: `<from ${action.contentFrom.node}:${action.contentFrom.path} at apply time>`} : {}),
        ...(action.mode ? {mode: action.mode} : {}),
        ...(action.command ? {command: action.command} : {}),
        ...(action.stdin ? {stdin: action.stdin.length > 2000 ? `${action.stdin.slice(0, 2000)}... (${action.stdin.split('\n').length - 1} lines)` : action.stdin} : {}),
        ...(action.until ? {until: action.until} : {}),
        ...(action.config ? {config: action.config} : {}),
        fingerprint: action.fingerprint,
      })),
    ),
  }
}
