/** Each node's recorded ids (deploy/layout.ts) added to a status report, so status names them as the plan does. */
import type {Cluster} from '../config/model.js'
import {idsOfNode, resolveLayout, type ClusterLayout} from '../deploy/layout.js'
import {localStatePath, readLocalState} from '../deploy/state.js'
import {grafanaUrl} from '../deploy/services/grafana.js'
import type {StatusReport} from './judge.js'

/** The recorded layout, or ids in cluster.yml's order when nothing is recorded (a cluster deployed by an earlier 3fs-cli). */
export async function recordedLayout(cluster: Cluster): Promise<ClusterLayout | undefined> {
  const recorded = (await readLocalState(localStatePath(cluster.file, cluster.name)))?.layout
  try {
    return resolveLayout(cluster, recorded)
  } catch {
    // cluster.yml was edited in a way deploy refuses: status still shows what is recorded.
    return recorded
  }
}

export function withNodeIds(report: StatusReport, layout: ClusterLayout | undefined): StatusReport {
  if (!layout) return report
  return {...report, nodes: report.nodes.map((node) => ({...node, ids: idsOfNode(layout, node.name)}))}
}

/** The Grafana URL when services.grafana is deployed (status names it). */
export function withGrafana(report: StatusReport, cluster: Cluster): StatusReport & {grafana?: {url: string}} {
  const url = grafanaUrl(cluster)
  return url ? {...report, grafana: {url}} : report
}
