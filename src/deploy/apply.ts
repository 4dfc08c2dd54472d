/**
 * Applies a plan: stage by stage, each stage's steps across their nodes at once (bounded fan-out),
 * a node's actions in order. Actions recorded on the node as applied are skipped, so a second deploy
 * changes nothing and a failed one resumes where it stopped. The first failing step stops the run
 * after the nodes already working on it finish; the report names the node, the action and the output.
 */
import type {Cluster} from '../config/model.js'
import {setRenderedValue} from '../cluster/threefs-config/render.js'
import {registerSecret} from '../log.js'
import {RemoteError, remoteDetail} from '../remote/errors.js'
import {fanOut} from '../remote/fanout.js'
import type {Host} from '../remote/host.js'
import type {HostPool} from '../remote/pool.js'
import {findAdminCliErrors, isTargetAlreadyExists} from '../cluster/admin-cli-output.js'
import {judgeAdminCliWait, type WaitVerdict} from '../cluster/admin-cli-waits.js'
import {chainLossReason, splitGuardOutput} from './chain-guard.js'
import {allActions, stageSteps, type Action, type Plan} from './model.js'
import {localStatePath, markerCommand, readLocalState, readNodeState, recordApplied, writeLocalState} from './state.js'
import {shellQuote} from '../remote/shell.js'

export interface ApplyEvents {
  stageStarted?(stage: string, index: number): void
  actionStarted?(stage: string, action: Action): void
  actionFinished?(stage: string, action: Action, outcome: 'applied' | 'skipped'): void
  stageFinished?(stage: string, counts: {applied: number; skipped: number}, failed: boolean): void
}

export interface ApplyOptions {
  cluster: Cluster
  plan: Plan
  pool: HostPool
  concurrency: number
  signal?: AbortSignal
  events?: ApplyEvents
  /** Poll interval of wait actions (tests use short ones). */
  waitIntervalMs?: number
}

export interface ApplyFailure {
  stage: string
  node: string
  action: string
  description: string
  message: string
  /** The last lines of the command's output. */
  output?: string
  kind: string
}

export interface ApplyReport {
  cluster: string
  complete: boolean
  /** Actions run in this deploy (0 for a deploy with nothing left to do). */
  changes: number
  skipped: number
  /** Checks that change nothing and run on every deploy (the client's smoke test): neither changes nor skipped. */
  verified: number
  total: number
  stages: Array<{name: string; applied: number; skipped: number; verified: number; durationMs: number; failed: boolean}>
  failures: ApplyFailure[]
  durationMs: number
}

export class ActionFailedError extends Error {
  constructor(
    readonly action: Action,
    message: string,
    readonly output?: string,
  ) {
    super(message)
    this.name = 'ActionFailedError'
  }
}

export async function applyPlan(options: ApplyOptions): Promise<ApplyReport> {
  const started = performance.now()
  const {plan, cluster, pool} = options
  const nodeByName = new Map(cluster.nodes.map((node) => [node.name, node]))
  const involved = [...new Set(allActions(plan).map((action) => action.node))].map((name) => nodeByName.get(name)!)
  const report: ApplyReport = {
    cluster: plan.cluster,
    complete: false,
    changes: 0,
    skipped: 0,
    verified: 0,
    total: allActions(plan).length,
    stages: [],
    failures: [],
    durationMs: 0,
  }

  // One round trip per node: what is already applied there.
  const stateOutcomes = await fanOut(involved, (node, signal) => readNodeState(pool.get(node), plan.stateDir, signal), {
    concurrency: options.concurrency,
    signal: options.signal,
  })
  const applied = new Map<string, Set<string>>()
  for (const outcome of stateOutcomes) {
    if (outcome.ok) applied.set(outcome.node, outcome.value)
    else report.failures.push(failureOf('Read deploy state', outcome.node, undefined, outcome.error))
  }
  if (report.failures.length > 0) return finish(report, started)

  // What was applied before this run: an action that runs with another one is skipped when that one was.
  const appliedAtStart = new Map([...applied].map(([node, set]) => [node, new Set(set)]))
  const localPath = localStatePath(cluster.file, plan.cluster)
  const local = (await readLocalState(localPath)) ?? {cluster: plan.cluster, updatedAt: '', applied: {}}

  for (const [index, stage] of plan.stages.entries()) {
    const stageStarted = performance.now()
    options.events?.stageStarted?.(stage.name, index)
    const counts = {applied: 0, skipped: 0, verified: 0}
    let failed = false
    for (const step of stageSteps(stage)) {
      const byNode = new Map<string, Action[]>()
      for (const action of step) byNode.set(action.node, [...(byNode.get(action.node) ?? []), action])
      const nodes = [...byNode.keys()].map((name) => nodeByName.get(name)!)
      const outcomes = await fanOut(
        nodes,
        async (node, signal) => {
          const host = pool.get(node)
          const done = applied.get(node.name)!
          for (const action of byNode.get(node.name)!) {
            if (
              (!action.always && done.has(action.fingerprint)) ||
              (action.runsWith && appliedAtStart.get(action.runsWith.node)?.has(action.runsWith.fingerprint))
            ) {
              counts.skipped++
              options.events?.actionFinished?.(stage.name, action, 'skipped')
              continue
            }
            options.events?.actionStarted?.(stage.name, action)
            let recorded: boolean
            try {
              recorded = await execute(host, action, {
                pool,
                nodeByName,
                signal,
                waitIntervalMs: options.waitIntervalMs ?? 2000,
                stateDir: plan.stateDir,
              })
            } catch (error) {
              throw Object.assign(error instanceof Error ? error : new Error(String(error)), {failedAction: action})
            }
            if (!action.always) {
              if (!recorded) await recordApplied(host, plan.stateDir, action, signal)
              done.add(action.fingerprint)
            }
            if (action.verifies) counts.verified++
            else counts.applied++
            options.events?.actionFinished?.(stage.name, action, 'applied')
          }
        },
        {concurrency: options.concurrency, signal: options.signal},
      )
      for (const outcome of outcomes) {
        if (!outcome.ok)
          report.failures.push(
            failureOf(stage.name, outcome.node, (outcome.error as {failedAction?: Action}).failedAction, outcome.error),
          )
      }
      if (report.failures.length > 0) {
        failed = true
        break
      }
    }
    report.changes += counts.applied
    report.skipped += counts.skipped
    report.verified += counts.verified
    report.stages.push({name: stage.name, ...counts, durationMs: Math.round(performance.now() - stageStarted), failed})
    options.events?.stageFinished?.(stage.name, counts, failed)
    for (const [node, set] of applied) local.applied[node] = [...set].sort()
    local.updatedAt = new Date().toISOString()
    await writeLocalState(localPath, local)
    if (failed) return finish(report, started)
  }
  report.complete = true
  return finish(report, started)
}

function finish(report: ApplyReport, started: number): ApplyReport {
  report.durationMs = Math.round(performance.now() - started)
  return report
}

function failureOf(stage: string, node: string, action: Action | undefined, error: unknown): ApplyFailure {
  const message = remoteDetail(error)
  return {
    stage,
    node,
    action: action?.id ?? '',
    description: action?.description ?? stage,
    message,
    ...(error instanceof ActionFailedError && error.output ? {output: error.output} : {}),
    kind: error instanceof RemoteError ? error.kind : error instanceof ActionFailedError ? 'action' : 'unknown',
  }
}

interface ExecuteContext {
  pool: HostPool
  nodeByName: Map<string, Cluster['nodes'][number]>
  signal: AbortSignal
  waitIntervalMs: number
  stateDir: string
}

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n')
}

/**
 * Runs one action. Returns true when the action's record was written in the same round trip (plain
 * commands and file writes: `( command ) && record`), so that most actions cost one SSH exchange.
 */
async function execute(host: Host, action: Action, context: ExecuteContext): Promise<boolean> {
  const record = action.always ? '' : ` && ${markerCommand(context.stateDir, action)}`
  if (action.kind === 'write-file') return writeAction(host, action, context, record)
  if (action.uploadFrom)
    await host.upload(action.uploadFrom, action.path!, {sudo: true, mode: '0600', signal: context.signal})
  if (action.kind === 'wait') {
    await waitAction(host, action, context)
    return false
  }
  // Commands whose exit code is the whole verdict record themselves; admin_cli output is judged here first.
  const recordsItself = !action.adminCli && !action.captureToken && record !== ''
  const verified = action.verifyAfter ? `( ${action.command!}\n) && ( ${action.verifyAfter}\n)` : action.command!
  const command = recordsItself ? `( ${verified}\n)${record}` : verified
  const result = await host.run(command, {
    sudo: true,
    stdin: action.stdin,
    signal: context.signal,
    label: action.description,
  })
  const output = `${result.stdout}${result.stderr}`
  if (result.timedOut) throw new ActionFailedError(action, `${action.description}: timed out`, tail(output))
  if (action.adminCli) {
    // Fed on stdin, admin_cli answers each command and exits 0 whatever they answered (3FS ee9a5ce
    // src/client/cli/common/Dispatcher.cc:238-257), so an error line is judged per command; a re-run of a
    // half-done batch gets "target already exists" for what the first run made, and only that is progress.
    const errors = findAdminCliErrors(output)
    const done = action.alreadyDone ? new RegExp(action.alreadyDone) : undefined
    const alreadyDone = (error: (typeof errors)[number]) =>
      done !== undefined && done.test(`${error.code}(${error.errorName}) ${error.detail ?? ''}`.trim())
    const real = errors.filter((error) => !(action.stdin && isTargetAlreadyExists(error)) && !alreadyDone(error))
    if (real.length > 0) {
      throw new ActionFailedError(
        action,
        `${action.description}: admin_cli reported ${real.length} error(s), first ${real[0]!.message}`,
        tail(output),
      )
    }
    // admin_cli exits 1 for the error it printed; an answer that says the work is already done is success.
    if (errors.length > 0 && errors.every(alreadyDone)) return false
  }
  // A non-zero exit is never progress: for a batch it is the runtime failing (e.g. "No such container").
  if (result.exitCode !== 0) {
    throw new ActionFailedError(
      action,
      `${action.description}: exited with ${result.exitCode ?? 'a signal'}`,
      tail(output),
    )
  }
  if (action.captureToken) await captureToken(host, action, output, context)
  return recordsItself
}

/** A write-file action: its content (or the content of another node's file) written in one round trip. */
async function writeAction(host: Host, action: Action, context: ExecuteContext, record: string): Promise<boolean> {
  let content = action.content
  if (action.contentFrom) {
    const source = context.pool.get(context.nodeByName.get(action.contentFrom.node)!)
    content = (await source.readFile(action.contentFrom.path, {sudo: true, signal: context.signal})).toString('utf8')
    if (action.secret) registerSecret(content.trim())
  }
  for (const value of action.redact ?? []) registerSecret(value)
  await writeText(host, action, action.path!, content ?? '', action.mode ?? '0644', context.signal, record)
  return record !== ''
}

/** Content on stdin into a temp file beside the target, mode set, renamed into place; then `record`, if any. */
async function writeText(
  host: Host,
  action: Action,
  path: string,
  content: string,
  mode: string,
  signal: AbortSignal,
  record = '',
): Promise<void> {
  const target = shellQuote(path)
  const script = `t=${target}.3fs-cli-tmp-$$ && mkdir -p "$(dirname ${target})" && cat > "$t" && chmod ${mode} "$t" && mv -f "$t" ${target}${record}`
  const result = await host.run(script, {sudo: true, stdin: content, signal, label: action.description})
  if (result.exitCode !== 0)
    throw new ActionFailedError(
      action,
      `${action.description}: exited with ${result.exitCode ?? 'a signal'}`,
      tail(`${result.stdout}${result.stderr}`),
    )
}

/** user-add prints `Token  <token>(Expired at N/A)`: keep it in 0600 files, never in a log. */
async function captureToken(host: Host, action: Action, output: string, context: ExecuteContext): Promise<void> {
  const match = /Token\s+([A-Za-z0-9+/=_.-]+?)\(Expired/.exec(output)
  if (!match) throw new ActionFailedError(action, `${action.description}: no token in admin_cli's output`)
  const token = match[1]!
  registerSecret(token)
  const {tokenFile, adminConfig, adminConfigBase} = action.captureToken!
  await writeText(host, action, tokenFile, `${token}\n`, '0600', context.signal)
  const base = (await host.readFile(adminConfigBase, {sudo: true, signal: context.signal})).toString('utf8')
  await writeText(
    host,
    action,
    adminConfig,
    setRenderedValue(base, 'user_info', 'token', token),
    '0600',
    context.signal,
  )
}

/**
 * Polls the action's command until its output passes: a regex on plain output (`until`), or an admin_cli
 * wait judged on the parsed table (`adminCliWait`). Cancelled by the signal between and during polls; on
 * timeout the failure names what the last poll showed.
 */
async function waitAction(host: Host, action: Action, context: ExecuteContext): Promise<void> {
  const judge = waitJudge(action)
  const timeoutMs = action.timeoutMs ?? 60_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (context.signal.aborted) throw new ActionFailedError(action, `${action.description}: cancelled`)
    const result = await host.run(action.command!, {
      sudo: true,
      signal: context.signal,
      timeoutMs: 30_000,
      label: action.description,
    })
    let judged = result.stdout
    if (action.chainGuard) {
      // Waiting cannot help a chain whose last serving replica is on the node: stop now, with the chain.
      const {listTargets, listChains} = splitGuardOutput(result.stdout)
      // A node with no targets yet (one being added) holds no replica, so no chain can be lost.
      const reason = chainLossReason(
        listTargets,
        listChains,
        {name: action.chainGuard.node, storageId: action.chainGuard.storageId},
        {noTargetsIsSafe: true},
      )
      if (reason && listChains.trim() !== '')
        throw new ActionFailedError(
          action,
          `${action.description}: stopped: ${reason}`,
          tail(`${result.stdout}${result.stderr}`),
        )
      judged = listChains
    }
    const verdict = judge(judged)
    if (verdict.reached) return
    if (Date.now() >= deadline)
      throw new ActionFailedError(
        action,
        `${action.description}: not reached within ${Math.round(timeoutMs / 1000)} s${verdict.state ? ` (last: ${verdict.state})` : ''}`,
        tail(`${result.stdout}${result.stderr}`),
      )
    await abortableSleep(context.waitIntervalMs, context.signal)
  }
}

function waitJudge(action: Action): (stdout: string) => WaitVerdict {
  if (action.adminCliWait) {
    const wait = action.adminCliWait
    return (stdout) => judgeAdminCliWait(wait, stdout)
  }
  const pattern = new RegExp(action.until!, 'm')
  return (stdout) => ({reached: pattern.test(stdout), state: ''})
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
