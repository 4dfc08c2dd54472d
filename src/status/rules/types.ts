/** What every status rule module shares: a problem, its severity, and how next steps name commands. */
import type {StatusLayout} from '../layout.js'

export type Severity = 'critical' | 'error' | 'warning'

export interface Problem {
  severity: Severity
  /** What is affected: a node, node/service, chain, target or the cluster. */
  subject: string
  cause: string
  /** The next thing to run or check. */
  next: string
}

export interface RuleContext {
  layout: StatusLayout
  /** A 3fs-cli command line with `{c}` replaced by how the config is named, e.g. `-c cluster.yml`. */
  cli: (args: string) => string
}

/** A rule context for a given config argument. */
export function ruleContext(layout: StatusLayout, configArg: string): RuleContext {
  return {layout, cli: (args: string) => `3fs-cli ${args.replace('{c}', configArg)}`}
}

export function sample(ids: Array<number | string>, shown = 3): string {
  return ids.length <= shown ? ids.join(', ') : `${ids.slice(0, shown).join(', ')} and ${ids.length - shown} more`
}

/** `cmd` as run on one node through the container engine, e.g. logs of a container. */
export function onNode(context: RuleContext, node: string, command: string): string {
  return context.cli(`exec {c} --nodes ${node} --sudo -- ${context.layout.runtime} ${command}`)
}
