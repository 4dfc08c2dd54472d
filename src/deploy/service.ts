/** deploy, destroy and check as services: typed options in, data out, typed errors; no printing. */
import {rm, stat} from 'node:fs/promises'

import type {Cluster} from '../config/model.js'
import {UsageError, UserError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {sha256File} from '../remote/upload.js'
import {applyPlan, type ApplyEvents, type ApplyReport} from './apply.js'
import {buildDestroyPlan} from './destroy.js'
import {allActions, type Plan} from './model.js'
import {buildPlan, planJson, type PlanJson} from './plan.js'
import {runPreflight, type PreflightReport} from './preflight.js'
import {layoutForCluster, recordLayout} from './layout-record.js'
import {localStatePath, readLocalState, writeLocalState} from './state.js'

export interface RemoteOptions {
  cluster: Cluster
  runtime: string
  concurrency?: number
  pool?: Partial<PoolOptions>
  signal?: AbortSignal
}

export class PreflightFailedError extends UserError {
  constructor(readonly report: PreflightReport) {
    const failing = report.nodes.filter((node) => !node.ok)
    const lines = failing.flatMap((node) =>
      node.checks
        .filter((check) => check.status === 'fail')
        .map((check) => `${node.node}: ${check.check}: ${check.detail}`),
    )
    super(
      `preflight failed on ${failing.length} node(s); nothing was changed:\n  ${lines.slice(0, 20).join('\n  ')}${lines.length > 20 ? `\n  ... and ${lines.length - 20} more` : ''}`,
      {
        next: [
          ...new Set(
            failing.flatMap((node) =>
              node.checks.filter((check) => check.status === 'fail' && check.fix).map((check) => check.fix!),
            ),
          ),
        ].slice(0, 8),
        exitCode: report.unreachable > 0 ? ExitCode.Unreachable : ExitCode.Failure,
      },
    )
    this.name = 'PreflightFailedError'
  }
}

export class ApplyFailedError extends UserError {
  constructor(
    readonly report: ApplyReport,
    what: 'deploy' | 'destroy',
    clusterFile: string,
  ) {
    const failure = report.failures[0]!
    super(
      `${what} stopped at "${failure.stage}" on ${failure.node}: ${failure.message}${failure.output ? `\n--- output (last lines) ---\n${failure.output}` : ''}`,
      {
        next: [
          `${report.changes} action(s) were applied and recorded; fix the cause and run \`3fs-cli ${what} -c ${clusterFile}\` again: it ${what === 'deploy' ? 'resumes from this step' : 'continues'}.`,
          ...(report.failures.length > 1
            ? [
                `Other nodes failed too: ${report.failures
                  .slice(1)
                  .map((entry) => entry.node)
                  .join(', ')}.`,
              ]
            : []),
        ],
        exitCode: report.failures.some((entry) => ['unreachable', 'auth', 'host-key'].includes(entry.kind))
          ? ExitCode.Unreachable
          : ExitCode.Failure,
      },
    )
    this.name = 'ApplyFailedError'
  }
}

export async function check(options: RemoteOptions & {ignore?: string[]}): Promise<PreflightReport> {
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    return await runPreflight({
      cluster: options.cluster,
      pool,
      runtime: options.runtime,
      concurrency: options.concurrency ?? options.cluster.ssh.concurrency,
      signal: options.signal,
      ignore: options.ignore,
    })
  } finally {
    await pool.closeAll()
  }
}

export interface DeployOptions extends RemoteOptions {
  artifact?: string
  ignoreChecks?: string[]
  skipPreflight?: boolean
  events?: (plan: Plan) => ApplyEvents
  waitIntervalMs?: number
}

/** The plan for cluster.yml as it is now, with the node ids and chains recorded by earlier deploys (layout.ts). */
/** `deploy --plan`: the plan as it is shown and printed with --json (secrets redacted). */
export async function deployPlanView(
  cluster: Cluster,
  options: {runtime: string; artifact?: string},
): Promise<PlanJson> {
  return planJson(await planDeploy(cluster, options))
}

/** `destroy --plan`: the plan as it is shown. */
export function destroyPlanView(
  cluster: Cluster,
  options: {runtime: string; purgeData: boolean; wipeDisks: boolean},
): PlanJson {
  return planJson(planDestroy(cluster, options))
}

export async function planDeploy(cluster: Cluster, options: {runtime: string; artifact?: string}): Promise<Plan> {
  if (options.artifact !== undefined) {
    // Hashed before anything else: only a regular file (not a FIFO or /dev/zero, which would never end).
    const info = await stat(options.artifact).catch(() => undefined)
    if (!info?.isFile())
      throw new UsageError(`--artifact ${options.artifact} ${info ? 'is not a regular file' : 'does not exist'}`, {
        next: 'Give the image tarball made by `3fs-cli artifact export`.',
      })
  }
  const {layout, recorded} = await layoutForCluster(cluster)
  const planOptions = {
    runtime: options.runtime,
    layout,
    ...(options.artifact ? {artifact: options.artifact, artifactSha256: await sha256File(options.artifact)} : {}),
  }
  const plan = buildPlan(cluster, planOptions)
  // Live: the record says chain table version 1 was uploaded, so storage restarts must roll (services/rolling.ts).
  const firstUpload = allActions(plan).find((action) => action.id.endsWith(':mgmtd:upload-chain-table'))
  const live = firstUpload !== undefined && (recorded[firstUpload.node]?.includes(firstUpload.fingerprint) ?? false)
  return {...(live ? buildPlan(cluster, {...planOptions, live}) : plan), recorded}
}

export async function deploy(
  options: DeployOptions,
): Promise<{plan: ReturnType<typeof planJson>; preflight?: PreflightReport; apply: ApplyReport}> {
  const plan = await planDeploy(options.cluster, options)
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  const concurrency = options.concurrency ?? options.cluster.ssh.concurrency
  try {
    let preflight: PreflightReport | undefined
    if (!options.skipPreflight) {
      preflight = await runPreflight({
        cluster: options.cluster,
        pool,
        runtime: options.runtime,
        concurrency,
        signal: options.signal,
        ignore: options.ignoreChecks,
      })
      if (!preflight.ok) throw new PreflightFailedError(preflight)
    }
    await recordLayout(options.cluster, plan.layout!)
    const apply = await applyPlan({
      cluster: options.cluster,
      plan,
      pool,
      concurrency,
      signal: options.signal,
      events: options.events?.(plan),
      waitIntervalMs: options.waitIntervalMs,
    })
    if (!apply.complete) throw new ApplyFailedError(apply, 'deploy', options.cluster.file)
    return {plan: planJson(plan), ...(preflight ? {preflight} : {}), apply}
  } finally {
    await pool.closeAll()
  }
}

export interface DestroyServiceOptions extends RemoteOptions {
  purgeData: boolean
  wipeDisks: boolean
  /** Also forget the node ids and chain-table versions recorded beside cluster.yml (a re-deploy numbers anew). */
  forgetIds?: boolean
  events?: (plan: Plan) => ApplyEvents
}

/**
 * The nodes' records of applied actions are gone (the destroy plan's last stage), so the local copy of
 * them goes too. The layout stays unless asked: a re-deploy (data kept or not) then hands every node the
 * id it had, and status and the plan keep naming the same ids.
 */
async function forgetApplied(cluster: Cluster, forgetIds: boolean): Promise<DestroyRecord> {
  const file = localStatePath(cluster.file, cluster.name)
  const local = await readLocalState(file)
  if (!local?.layout || forgetIds) {
    await rm(file, {force: true})
    return {file, nodeIds: local?.layout ? 'forgotten' : 'none recorded'}
  }
  await writeLocalState(file, {
    cluster: local.cluster,
    updatedAt: new Date().toISOString(),
    applied: {},
    layout: local.layout,
  })
  return {file, nodeIds: 'kept'}
}

export function planDestroy(
  cluster: Cluster,
  options: {runtime: string; purgeData: boolean; wipeDisks: boolean},
): Plan {
  return buildDestroyPlan(cluster, options)
}

/** What destroy did with the record beside cluster.yml. */
export interface DestroyRecord {
  file: string
  /** kept: node ids and chain-table versions stay, so a re-deploy reuses them; forgotten: --forget-ids. */
  nodeIds: 'kept' | 'forgotten' | 'none recorded'
}

export async function destroy(options: DestroyServiceOptions): Promise<{apply: ApplyReport; record: DestroyRecord}> {
  const plan = planDestroy(options.cluster, options)
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  try {
    const apply = await applyPlan({
      cluster: options.cluster,
      plan,
      pool,
      concurrency: options.concurrency ?? options.cluster.ssh.concurrency,
      signal: options.signal,
      events: options.events?.(plan),
    })
    if (!apply.complete) throw new ApplyFailedError(apply, 'destroy', options.cluster.file)
    return {apply, record: await forgetApplied(options.cluster, options.forgetIds ?? false)}
  } finally {
    await pool.closeAll()
  }
}
