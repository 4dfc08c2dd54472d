/**
 * Rolling restart: storage nodes one at a time, each only when every chain it holds a replica of has
 * another SERVING replica, and the next only when every chain is SERVING again; then meta, mgmtd and the
 * fuse clients, one node at a time. Storage goes first while meta and mgmtd are steady (a chain's state
 * is mgmtd's verdict), mgmtd after meta so that a meta restart is judged by a mgmtd that has run
 * throughout, clients last because they only read what the servers serve.
 */
import {adminCliArgv} from '../cluster/admin-cli.js'
import type {Cluster} from '../config/model.js'
import type {ServiceName} from '../config/schema.js'
import {UsageError, UserError} from '../errors.js'
import type {Host} from '../remote/host.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {shellQuote} from '../remote/shell.js'
import {parseListChains, parseListNodes, type ChainRow} from '../cluster/admin-cli-output.js'
import {chainLossReason} from './chain-guard.js'
import {RUNNING_CHECK_SECONDS} from './services/rolling.js'
import {deployContext} from './context.js'
import {layoutForCluster} from './layout-record.js'
import {readRestartProgress, writeRestartProgress} from './restart-record.js'

export const RESTART_ORDER = ['storage', 'meta', 'mgmtd', 'client'] as const
export type RestartService = (typeof RESTART_ORDER)[number]

export interface RestartStep {
  service: RestartService
  node: string
  container: string
  /** The node's 3FS id (storage, meta, mgmtd). */
  nodeId?: number
  /** What must hold before the next step starts. */
  waitFor: string
}

export interface RestartPlan {
  cluster: string
  steps: RestartStep[]
  /** Steps an earlier run of this restart finished before it stopped: a run now skips them. */
  done: string[]
}

export const stepKey = (step: Pick<RestartStep, 'service' | 'node'>) => `${step.service}:${step.node}`

export interface RestartOptions {
  cluster: Cluster
  runtime: string
  services?: RestartService[]
  nodes?: string[]
  /** Ignore an unfinished earlier restart and restart every chosen node. */
  fresh?: boolean
}

export async function planRestart(options: RestartOptions): Promise<RestartPlan> {
  const {cluster} = options
  const {layout} = await layoutForCluster(cluster)
  const context = deployContext(cluster, options.runtime, layout)
  for (const node of options.nodes ?? []) {
    if (!cluster.nodes.some((entry) => entry.name === node))
      throw new UsageError(`--nodes names ${node}, which is not a node of ${cluster.file}.`, {
        next: `Use node names from ${cluster.file}: ${cluster.nodes
          .map((entry) => entry.name)
          .slice(0, 10)
          .join(', ')}.`,
      })
  }
  const steps: RestartStep[] = []
  for (const service of RESTART_ORDER) {
    if (options.services && !options.services.includes(service)) continue
    for (const node of cluster.services[service]) {
      if (options.nodes && !options.nodes.includes(node)) continue
      const nodeId = service === 'client' ? undefined : layout.nodeIds[service][node]
      const waitFor =
        service === 'storage'
          ? 'every chain back to the SERVING replicas it had before (all of them on a healthy cluster)'
          : service === 'client'
            ? `${context.mountpoint} mounted as fuse.hf3fs`
            : `node ${nodeId} HEARTBEAT_CONNECTED in list-nodes`
      steps.push({
        service,
        node,
        container: context.containers[service as ServiceName],
        ...(nodeId !== undefined ? {nodeId} : {}),
        waitFor,
      })
    }
  }
  if (steps.length === 0)
    throw new UsageError('nothing to restart: no node runs the chosen service(s).', {
      next: 'Check --service and --nodes against cluster.yml.',
    })
  const progress = options.fresh ? undefined : await readRestartProgress(cluster)
  const keys = steps.map(stepKey)
  if (progress && progress.steps.join(' ') !== keys.join(' '))
    throw new UsageError(
      `an earlier restart (started ${progress.startedAt}) stopped after ${progress.done.length} of its ${progress.steps.length} steps (${progress.steps.join(', ')}); this one has other steps.`,
      {
        next: [
          `Run the earlier restart again (the same --service and --nodes) to finish it: it skips ${progress.done.join(', ') || 'nothing'}.`,
          'Or add --fresh to forget it and restart every node chosen now.',
        ],
      },
    )
  return {cluster: cluster.name, steps, done: progress ? progress.done.filter((key) => keys.includes(key)) : []}
}

export interface RestartReport {
  cluster: string
  complete: boolean
  restarted: Array<RestartStep & {durationMs: number}>
  /** Steps an earlier, stopped run of this restart finished: not restarted again. */
  skipped: RestartStep[]
  /** Why the roll stopped before a step, when it did. */
  stoppedAt?: {step: RestartStep; reason: string}
}

export class RestartStoppedError extends UserError {
  constructor(readonly report: RestartReport) {
    const stop = report.stoppedAt!
    super(`restart stopped before ${stop.step.service} on ${stop.step.node}: ${stop.reason}`, {
      next: [
        `${report.restarted.length} node(s) were restarted before the stop; nothing was done on ${stop.step.node}.`,
        'Bring the other replicas back (`3fs-cli status` names the targets that do not serve), then run the same restart again: it skips the nodes already restarted.',
      ],
    })
    this.name = 'RestartStoppedError'
  }
}

export interface RunRestartOptions extends RestartOptions {
  pool?: Partial<PoolOptions>
  signal?: AbortSignal
  /** How long one node may take to be back (default 600 s). */
  waitTimeoutMs?: number
  pollMs?: number
  onStep?: (step: RestartStep, phase: 'started' | 'finished') => void
}

export async function runRestart(options: RunRestartOptions): Promise<RestartReport> {
  const plan = await planRestart(options)
  const {cluster} = options
  const nodeByName = new Map(cluster.nodes.map((node) => [node.name, node]))
  const pool = new HostPool({ssh: cluster.ssh, ...options.pool})
  const report: RestartReport = {cluster: cluster.name, complete: false, restarted: [], skipped: []}
  // Recorded before the first step and after each one, so that a stop anywhere leaves what was finished.
  const progress = {
    steps: plan.steps.map(stepKey),
    done: [...plan.done],
    startedAt:
      (plan.done.length > 0 && !options.fresh ? (await readRestartProgress(cluster))?.startedAt : undefined) ??
      new Date().toISOString(),
  }
  await writeRestartProgress(cluster, progress)
  const admin = () => pool.get(nodeByName.get(cluster.services.mgmtd[0]!)!)
  const adminCli = async (command: string): Promise<string> => {
    const result = await admin().run(
      adminCliArgv(options.runtime, deployContext(cluster, options.runtime).containers.mgmtd, [command])
        .map(shellQuote)
        .join(' '),
      {sudo: true, signal: options.signal, timeoutMs: 60_000, label: `admin_cli ${command}`},
    )
    return `${result.stdout}${result.stderr}`
  }
  const pollMs = options.pollMs ?? 2000
  const timeoutMs = options.waitTimeoutMs ?? 600_000
  try {
    for (const step of plan.steps) {
      if (progress.done.includes(stepKey(step))) {
        report.skipped.push(step)
        continue
      }
      const host = pool.get(nodeByName.get(step.node)!)
      let before = new Map<number, number>()
      if (step.service === 'storage') {
        const reason = await chainWouldGoDown(step, adminCli)
        if (reason) {
          report.stoppedAt = {step, reason}
          return report
        }
        before = servingCounts(parseListChains(await adminCli('list-chains')))
      }
      options.onStep?.(step, 'started')
      const started = performance.now()
      await restartContainer(host, step, options, deployContext(cluster, options.runtime).mountpoint)
      await waitUntil(`${step.service} on ${step.node}: ${step.waitFor}`, timeoutMs, pollMs, options.signal, () =>
        isBack(step, host, adminCli, deployContext(cluster, options.runtime).mountpoint, before),
      )
      report.restarted.push({...step, durationMs: Math.round(performance.now() - started)})
      progress.done.push(stepKey(step))
      await writeRestartProgress(cluster, progress)
      options.onStep?.(step, 'finished')
    }
    report.complete = true
    await writeRestartProgress(cluster, undefined)
    return report
  } finally {
    await pool.closeAll()
  }
}

async function chainWouldGoDown(
  step: RestartStep,
  adminCli: (command: string) => Promise<string>,
): Promise<string | undefined> {
  return chainLossReason(await adminCli('list-targets'), await adminCli('list-chains'), {
    name: step.node,
    storageId: step.nodeId!,
  })
}

async function restartContainer(
  host: Host,
  step: RestartStep,
  options: RunRestartOptions,
  mountpoint: string,
): Promise<void> {
  const rt = shellQuote(options.runtime)
  // A fuse client's mount dies with its daemon: unmounted first so the restarted daemon can mount again.
  const unmount =
    step.service === 'client'
      ? `if [ "$(findmnt -n -o FSTYPE --mountpoint ${shellQuote(mountpoint)} 2>/dev/null)" = fuse.hf3fs ]; then umount ${shellQuote(mountpoint)} 2>/dev/null || umount -l ${shellQuote(mountpoint)}; fi; `
      : ''
  const container = shellQuote(step.container)
  // Right after a restart mgmtd still lists the node as connected (until heartbeat_fail_interval), so a
  // container that dies on start would look back: it must still run RUNNING_CHECK_SECONDS later, with no
  // restart by its restart policy since ours (a manual restart sets RestartCount to 0, seen on the test
  // hosts' dockerd; each restart by the policy adds one).
  const script = [
    `${unmount}${rt} restart ${container} >/dev/null || exit 1`,
    `sleep ${RUNNING_CHECK_SECONDS}`,
    `state=$(${rt} inspect --format '{{.State.Status}} restarts={{.RestartCount}}' ${container} 2>&1)`,
    `if [ "$state" != 'running restarts=0' ]; then echo "${step.container} does not stay up after its restart: $state; its last log lines:"; ${rt} logs --tail 10 ${container} 2>&1; exit 3; fi`,
  ].join('\n')
  const result = await host.run(script, {
    sudo: true,
    signal: options.signal,
    timeoutMs: 120_000,
    label: `restart ${step.container}`,
  })
  if (result.exitCode !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n')
    throw new UserError(
      result.exitCode === 3
        ? `${output[0]} (on ${step.node}) | ${output.slice(-5).join(' | ')}`
        : `restart of ${step.container} on ${step.node} failed (exit ${result.exitCode ?? 'signal'}): ${output.slice(-5).join(' | ')}`,
      {
        next: `Look at \`3fs-cli exec -c <cluster.yml> --nodes ${step.node} -- ${options.runtime} logs --tail 50 ${step.container}\`; the nodes before it were restarted and are back. Once fixed, run the same restart again: it skips the nodes finished before this one and restarts this one again.`,
      },
    )
  }
}

/** SERVING replicas per chain. */
function servingCounts(chains: ChainRow[]): Map<number, number> {
  return new Map(
    chains.map((chain) => [chain.chainId, chain.targets.filter((target) => target.publicState === 'SERVING').length]),
  )
}

/**
 * Every chain back to at least as many SERVING replicas as before this node's restart: on a healthy
 * cluster that is every chain SERVING with every replica; a replica that was already down elsewhere
 * (and would make "all SERVING" unreachable) is not waited for.
 */
function servingAgain(chains: ChainRow[], before: Map<number, number>): boolean {
  const now = servingCounts(chains)
  return chains.length > 0 && [...before].every(([chain, count]) => (now.get(chain) ?? 0) >= count)
}

async function isBack(
  step: RestartStep,
  host: Host,
  adminCli: (command: string) => Promise<string>,
  mountpoint: string,
  before: Map<number, number>,
): Promise<boolean> {
  if (step.service === 'client') {
    const result = await host.run(`findmnt -n -o FSTYPE --mountpoint ${shellQuote(mountpoint)} || true`, {
      sudo: true,
      timeoutMs: 30_000,
      label: 'findmnt',
    })
    return result.stdout.trim() === 'fuse.hf3fs'
  }
  const nodes = parseListNodes(await adminCli('list-nodes').catch(() => ''))
  const connected = nodes.some((node) => node.id === step.nodeId && node.status === 'HEARTBEAT_CONNECTED')
  if (step.service !== 'storage') return connected
  return connected && servingAgain(parseListChains(await adminCli('list-chains')), before)
}

async function waitUntil(
  what: string,
  timeoutMs: number,
  pollMs: number,
  signal: AbortSignal | undefined,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  // The first look waits one interval: right after a restart mgmtd may not have noticed the node left yet.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs))
    if (signal?.aborted) throw new UserError(`cancelled while waiting for ${what}`)
    if (await check()) return
    if (Date.now() >= deadline)
      throw new UserError(`not back within ${Math.round(timeoutMs / 1000)} s: ${what}`, {
        next: 'Look at `3fs-cli status`; once it is back, run the same restart again: it skips the nodes finished before this one and restarts this one again.',
      })
  }
}
