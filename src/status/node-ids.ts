/** Each node's recorded ids (deploy/layout.ts) added to a status report, so status names them as the plan does. */
import {nodesOf, type Cluster} from '../config/model.js'
import {UserError} from '../errors.js'
import {idsOfNode} from '../cluster/node-ids.js'
import {resolveLayout, type ClusterLayout} from '../deploy/layout.js'
import {localStatePath, readLocalState} from '../deploy/state.js'
import {grafanaUrl} from '../deploy/services/grafana.js'
import type {StatusReport} from './judge.js'

/**
 * The recorded layout, or ids in cluster.yml's order when nothing is recorded (a cluster deployed by an
 * earlier 3fs-cli). A damaged record gives no ids and says why: status still reports the cluster's health.
 */
export async function recordedLayout(cluster: Cluster): Promise<{layout?: ClusterLayout; problem?: string}> {
  let recorded: ClusterLayout | undefined
  try {
    recorded = (await readLocalState(localStatePath(cluster.file, cluster.name)))?.layout
  } catch (error) {
    if (error instanceof UserError) return {problem: `node ids: ${error.message}`}
    throw error
  }
  try {
    return {layout: resolveLayout(cluster, recorded)}
  } catch {
    // cluster.yml was edited in a way deploy refuses: status still shows what is recorded.
    return {layout: recorded}
  }
}

export function withNodeIds(report: StatusReport, recorded: {layout?: ClusterLayout; problem?: string}): StatusReport {
  const {layout, problem} = recorded
  const noted = problem ? {...report, missing: [...report.missing, problem]} : report
  if (!layout) return noted
  return {...noted, nodes: noted.nodes.map((node) => ({...node, ids: idsOfNode(layout, node.name)}))}
}

/**
 * The Grafana URL when services.grafana is deployed, and what its /api/health answered from here (where
 * the operator's browser would open it). A Grafana that does not answer is a warning: the filesystem
 * serves without it, but its dashboards are not there to read.
 */
export async function withGrafana(report: StatusReport, cluster: Cluster, signal?: AbortSignal): Promise<StatusReport> {
  const url = grafanaUrl(cluster)
  if (!url) return report
  const health = await grafanaHealth(url, signal)
  if (health.ok) return {...report, grafana: {url, health}}
  const problems = [
    ...report.problems,
    {
      severity: 'warning' as const,
      subject: `grafana (${url})`,
      cause: `Grafana's /api/health ${health.detail}`,
      next: `Look at the container: 3fs-cli exec -c ${cluster.file} --nodes ${nodesOf(cluster, 'grafana')[0]!.name} --sudo -- docker logs --tail 50 3fs-grafana; \`3fs-cli deploy\` starts it again.`,
    },
  ]
  return {
    ...report,
    problems,
    verdict: report.verdict === 'HEALTHY' ? 'DEGRADED' : report.verdict,
    grafana: {url, health},
  }
}

/** GET <url>/api/health: Grafana answers {"database": "ok", ...} when it serves. */
export async function grafanaHealth(url: string, signal?: AbortSignal): Promise<{ok: boolean; detail: string}> {
  try {
    const timeout = AbortSignal.timeout(5000)
    const response = await fetch(`${url}/api/health`, {signal: signal ? AbortSignal.any([signal, timeout]) : timeout})
    const body = await response.text()
    let database: unknown
    try {
      database = (JSON.parse(body) as {database?: unknown}).database
    } catch {
      return {ok: false, detail: `answered HTTP ${response.status} with no JSON: ${body.slice(0, 120)}`}
    }
    if (response.ok && database === 'ok') return {ok: true, detail: `HTTP ${response.status}, database ok`}
    return {ok: false, detail: `answered HTTP ${response.status}, database ${JSON.stringify(database)}`}
  } catch (error) {
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    return {ok: false, detail: `did not answer: ${cause?.code ?? cause?.message ?? (error as Error).message}`}
  }
}
