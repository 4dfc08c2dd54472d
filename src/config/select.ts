/** Picks the nodes a command works on: --nodes names, --service members, or every node. */
import {UsageError} from '../errors.js'
import type {Cluster, ClusterNode} from './model.js'
import {SERVICE_NAMES, type ServiceName} from './schema.js'
import {closest} from './suggest.js'

export interface NodeSelection {
  nodes?: string[]
  service?: string
}

export function selectNodes(cluster: Cluster, selection: NodeSelection): ClusterNode[] {
  let chosen = cluster.nodes
  if (selection.service !== undefined) {
    if (!SERVICE_NAMES.includes(selection.service as ServiceName)) {
      const suggestion = closest(selection.service, SERVICE_NAMES)
      throw new UsageError(`--service ${selection.service} is not a 3FS service`, {
        next: suggestion ? `Did you mean --service ${suggestion}?` : `Use one of: ${SERVICE_NAMES.join(', ')}.`,
      })
    }
    const members = new Set(cluster.services[selection.service as ServiceName])
    chosen = chosen.filter((node) => members.has(node.name))
    if (chosen.length === 0)
      throw new UsageError(`no node in ${cluster.file} runs ${selection.service}`, {
        next: `List nodes under services.${selection.service}.nodes.`,
      })
  }
  // `--nodes ''` or `--nodes ,,,` names no node: that is a mistake, not "every node".
  if (selection.nodes !== undefined && selection.nodes.length === 0)
    throw new UsageError('--nodes names no node', {
      next: `Give node names or hosts separated by commas, e.g. --nodes ${cluster.nodes[0]?.name ?? 'node1'}, or leave --nodes out for every node.`,
    })
  if (selection.nodes !== undefined) {
    const byName = new Map(cluster.nodes.map((node) => [node.name, node]))
    const byHost = new Map(cluster.nodes.map((node) => [node.host, node]))
    const wanted: ClusterNode[] = []
    for (const name of selection.nodes) {
      const node = byName.get(name) ?? byHost.get(name)
      if (!node) {
        const suggestion = closest(name, byName.keys())
        throw new UsageError(`--nodes: "${name}" is not a node of ${cluster.file}`, {
          next: suggestion
            ? `Did you mean "${suggestion}"?`
            : `Known nodes: ${[...byName.keys()].slice(0, 20).join(', ')}.`,
        })
      }
      if (!chosen.includes(node))
        throw new UsageError(`--nodes: "${name}" does not run ${selection.service}`, {
          next: 'Drop --service or pick a node of that service.',
        })
      if (!wanted.includes(node)) wanted.push(node)
    }
    chosen = wanted
  }
  return chosen
}
