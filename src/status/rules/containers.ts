/** Nodes that SSH cannot reach, container engines that are missing or silent, containers that are not running. */
import type {ServiceName} from '../../config/schema.js'
import type {NodeState} from '../node-state.js'
import {onNode, type Problem, type RuleContext, type Severity} from './types.js'

export const CORE_SERVICES: ServiceName[] = ['fdb', 'mgmtd', 'meta']
export const METRICS_SERVICES: ServiceName[] = ['clickhouse', 'monitor', 'grafana', 'postgresql']

export function unreachableProblems(nodes: NodeState[], context: RuleContext): Problem[] {
  return nodes
    .filter((node) => !node.reachable && node.error)
    .map((node) => ({
      severity: 'error' as const,
      subject: node.name,
      cause: `not reachable over SSH (${node.error!.kind}): ${node.error!.message}; its services (${node.services.join(', ') || 'none'}) could not be checked`,
      next: `Check that ${node.host} is up and sshd answers, then: ${context.cli(`exec {c} --nodes ${node.name} -- true`)}`,
    }))
}

/** Whether any node runs a container of the service. */
export function runningAnywhere(nodes: NodeState[]): (service: ServiceName) => boolean {
  return (service) =>
    nodes.some((node) => node.containers.some((entry) => entry.service === service && entry.state === 'running'))
}

export function containerProblems(
  node: NodeState,
  running: (service: ServiceName) => boolean,
  context: RuleContext,
): Problem[] {
  const {layout, cli} = context
  const problems: Problem[] = []
  if (node.containers.length === 0) return problems
  const engineSeverity: Severity = node.services.some((service) => CORE_SERVICES.includes(service) && !running(service))
    ? 'critical'
    : 'error'
  if (node.runtime?.present === false) {
    return [
      {
        severity: engineSeverity,
        subject: node.name,
        cause: `no container runtime (${layout.runtime}) on the node, so none of its services (${node.services.join(', ')}) can run`,
        next: `Install and start ${layout.runtime}, then deploy: ${cli('deploy {c}')}`,
      },
    ]
  }
  if (node.runtime?.problem) {
    return [
      {
        severity: engineSeverity,
        subject: node.name,
        cause: `${layout.runtime} does not answer: ${node.runtime.problem}`,
        next: `Start the engine (systemctl start ${layout.runtime}) and check access: ${onNode(context, node.name, 'ps')}`,
      },
    ]
  }
  for (const container of node.containers) {
    const logs = onNode(context, node.name, `logs --tail 100 ${container.container}`)
    if (container.state === 'running') {
      if ((container.restarts ?? 0) > 0) {
        problems.push({
          severity: 'warning',
          subject: `${node.name}/${container.service}`,
          cause: `${container.container} restarted ${container.restarts} time(s)${container.startedAt ? `, last start ${container.startedAt}` : ''}`,
          next: `See why it stopped: ${logs}`,
        })
      }
      continue
    }
    if (container.state === 'unknown') continue
    const severity: Severity = METRICS_SERVICES.includes(container.service)
      ? 'warning'
      : CORE_SERVICES.includes(container.service) && !running(container.service)
        ? 'critical'
        : 'error'
    problems.push(
      container.state === 'absent'
        ? {
            severity,
            subject: `${node.name}/${container.service}`,
            cause: `container ${container.container} does not exist: never deployed here, or removed`,
            next: `Deploy it (a re-run only adds what is missing): ${cli('deploy {c}')}`,
          }
        : {
            severity,
            subject: `${node.name}/${container.service}`,
            cause: `container ${container.container} is ${container.state}${container.exitCode !== undefined && container.state === 'exited' ? ` (exit code ${container.exitCode})` : ''}`,
            next: `Read its log, fix the cause, then start it: ${logs}`,
          },
    )
  }
  return problems
}
