/**
 * Preflight: per node, at once, before anything is changed. One probe script per node gathers the facts
 * every applicable rule asks for (sections as status uses), and each rule (preflight/rules/*) turns its
 * facts into ok / warn / fail with the fix.
 */
import {PROBE_FUNCTIONS, splitSections} from '../cluster/probe-protocol.js'
import {servicesOf} from '../cluster/services.js'
import type {Cluster, ClusterNode} from '../config/model.js'
import {RemoteError, remoteDetail} from '../remote/errors.js'
import {fanOut} from '../remote/fanout.js'
import type {HostPool} from '../remote/pool.js'
import {deployContext, type DeployContext} from './context.js'
import type {CheckResult, NodeChecks, PreflightReport} from './preflight/model.js'
import {PREFLIGHT_RULES} from './preflight/rules.js'

export type {CheckResult, CheckStatus, NodeChecks, PreflightReport} from './preflight/model.js'
export {CHECK_NAMES} from './preflight/rules.js'
export {portsOf} from '../cluster/ports.js'
export {usableNvmeDisks} from './preflight/rules/storage.js'

function rulesFor(context: DeployContext, node: ClusterNode) {
  const input = {context, node, services: servicesOf(context.cluster, node.name)}
  return {input, rules: PREFLIGHT_RULES.filter((rule) => rule.appliesTo(input))}
}

export function preflightScript(context: DeployContext, node: ClusterNode): string {
  const {input, rules} = rulesFor(context, node)
  return [PROBE_FUNCTIONS, ...rules.flatMap((rule) => rule.probe(input))].join('\n')
}

export function judgeNode(context: DeployContext, node: ClusterNode, sections: Record<string, string>): CheckResult[] {
  const {input, rules} = rulesFor(context, node)
  const text = (name: string) => (sections[name] ?? '').trim()
  return [
    {check: 'ssh', status: 'ok', detail: `${node.username}@${node.host}:${node.port}`},
    {check: 'sudo', status: 'ok', detail: node.username === 'root' ? 'logged in as root' : 'sudo works'},
    ...rules.map((rule) => rule.judge({...input, text})),
  ]
}

export interface PreflightOptions {
  cluster: Cluster
  pool: HostPool
  runtime?: string
  concurrency: number
  signal?: AbortSignal
  /** Checks reported but not failing (e.g. rdma on a test bed). */
  ignore?: string[]
}

export async function runPreflight(options: PreflightOptions): Promise<PreflightReport> {
  const context = deployContext(options.cluster, options.runtime)
  const ignore = new Set(options.ignore ?? [])
  const outcomes = await fanOut(
    options.cluster.nodes,
    async (node, signal) => {
      const result = await options.pool
        .get(node)
        .run(preflightScript(context, node), {sudo: true, signal, timeoutMs: 60_000, label: 'preflight probe'})
      return splitSections(result.stdout)
    },
    {concurrency: options.concurrency, signal: options.signal},
  )
  const nodes: NodeChecks[] = outcomes.map((outcome, index) => {
    const node = options.cluster.nodes[index]!
    const services = servicesOf(options.cluster, node.name)
    let checks: CheckResult[]
    if (outcome.ok) checks = judgeNode(context, node, outcome.value)
    else {
      const error = outcome.error
      const kind = error instanceof RemoteError ? error.kind : 'unknown'
      const message = remoteDetail(error)
      checks =
        kind === 'sudo'
          ? [
              {check: 'ssh', status: 'ok', detail: `${node.username}@${node.host}:${node.port}`},
              {
                check: 'sudo',
                status: 'fail',
                detail: message,
                fix: error instanceof RemoteError ? error.next.join(' ') : undefined,
              },
            ]
          : [
              {
                check: 'ssh',
                status: 'fail',
                detail: message,
                fix: error instanceof RemoteError ? error.next.join(' ') : 'Check the node.',
              },
            ]
    }
    checks = checks.map((check) =>
      check.status === 'fail' && ignore.has(check.check)
        ? {...check, status: 'warn', detail: `${check.detail} (ignored by --ignore-check)`}
        : check,
    )
    return {node: node.name, host: node.host, services, checks, ok: checks.every((check) => check.status !== 'fail')}
  })
  return {
    nodes,
    ok: nodes.every((node) => node.ok),
    failed: nodes.filter((node) => !node.ok).length,
    warnings: nodes.reduce((sum, node) => sum + node.checks.filter((check) => check.status === 'warn').length, 0),
    unreachable: nodes.filter((node) => node.checks.some((check) => check.check === 'ssh' && check.status === 'fail'))
      .length,
  }
}
