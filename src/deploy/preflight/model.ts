/** Preflight's data: a check's verdict, a node's and the run's report, and what a rule sees of a node. */
import type {ClusterNode} from '../../config/model.js'
import type {ServiceName} from '../../config/schema.js'
import type {DeployContext} from '../context.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface CheckResult {
  check: string
  status: CheckStatus
  detail: string
  fix?: string
}

export interface NodeChecks {
  node: string
  host: string
  services: ServiceName[]
  checks: CheckResult[]
  ok: boolean
}

export interface PreflightReport {
  nodes: NodeChecks[]
  ok: boolean
  failed: number
  warnings: number
  unreachable: number
}

/** One node as a rule sees it: the deploy's context, the node, its services, and its probe's sections. */
export interface RuleInput {
  context: DeployContext
  node: ClusterNode
  services: ServiceName[]
  /** A probe section's text, trimmed; '' when the probe printed none. */
  text(section: string): string
}

/**
 * One concern of preflight: the shell lines that gather its facts (each opens a section with `S name`) and
 * the verdict on them. A rule that does not apply to a node neither probes nor judges it.
 */
export interface PreflightRule {
  check: string
  appliesTo(input: Omit<RuleInput, 'text'>): boolean
  probe(input: Omit<RuleInput, 'text'>): string[]
  judge(input: RuleInput): CheckResult
}

/** Services that run from the 3FS image (and so need its CPU, NIC, limit and RDMA facts). */
export const THREEFS_SERVICES: ServiceName[] = ['monitor', 'mgmtd', 'meta', 'storage', 'client']

export function runsThreefs(services: ServiceName[]): boolean {
  return services.some((service) => THREEFS_SERVICES.includes(service))
}

/** `KEY=value` lines of a section as a record (the value is the rest of the line). */
export function keyValues(text: string): Record<string, string> {
  const record: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) record[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  return record
}
