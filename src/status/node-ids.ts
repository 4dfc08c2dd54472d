/** Each node's recorded ids (deploy/layout.ts) added to a status report, so status names them as the plan does. */
import type {Cluster} from '../config/model.js'
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

/** The Grafana URL when services.grafana is deployed (status names it). */
export function withGrafana(report: StatusReport, cluster: Cluster): StatusReport & {grafana?: {url: string}} {
  const url = grafanaUrl(cluster)
  return url ? {...report, grafana: {url}} : report
}
