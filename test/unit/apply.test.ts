/**
 * apply against a scripted host: what counts as done. A batch whose command fails is a failure naming
 * the node and the step, and nothing of it is recorded; only admin_cli's exact "target already exists"
 * answers (3FS ee9a5ce StorageTargets.cc:169, UpdateChainOperation.cc:42) are progress in a re-run.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {applyPlan} from '../../src/deploy/apply.js'
import {action, type Action, type Plan} from '../../src/deploy/model.js'
import type {Cluster} from '../../src/config/model.js'
import type {Host, RunOptions, RunResult} from '../../src/remote/host.js'
import type {HostPool} from '../../src/remote/pool.js'

type Answer = {exitCode?: number | null; stdout?: string; stderr?: string; timedOut?: boolean}

class ScriptedHost {
  readonly isLocal = false
  readonly address: string
  readonly commands: Array<{command: string; stdin?: unknown}> = []
  /** Fingerprints recorded as applied (marker files written). */
  readonly recorded = new Set<string>()
  constructor(readonly name: string, private readonly answer: (command: string) => Answer | undefined) {
    this.address = `root@${name}:22`
  }
  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    this.commands.push({command, stdin: options.stdin})
    let answer: Answer = {}
    if (command.startsWith('ls -1 ')) answer = {stdout: [...this.recorded].join('\n')}
    else answer = this.answer(command) ?? {}
    const exitCode = answer.exitCode === undefined ? 0 : answer.exitCode
    if (exitCode === 0) {
      // A marker written by the command itself (`( command ) && mkdir ... > <stateDir>/<fingerprint>`) or by recordApplied.
      for (const match of command.matchAll(/> '?[^' ]*\/state\/([0-9a-f]{20})'?/g)) this.recorded.add(match[1]!)
    }
    if (options.check && exitCode !== 0) throw new Error(`${command} failed`)
    return {node: this.name, command, exitCode, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '', durationMs: 1, timedOut: answer.timedOut ?? false, aborted: false}
  }
  async runRaw(): Promise<never> {
    throw new Error('not used')
  }
  async upload(): Promise<never> {
    throw new Error('not used')
  }
  async readFile(): Promise<Buffer> {
    return Buffer.from('')
  }
  async close(): Promise<void> {}
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), '3fs-cli-apply-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const BATCH = 'docker exec -i 3fs-mgmtd /opt/3fs/bin/admin_cli -cfg /opt/3fs/etc/admin_cli_root.toml'

function batchAction(): Action {
  return action({
    id: 'node1:mgmtd:create-targets',
    node: 'node1',
    service: 'mgmtd',
    kind: 'admin-cli',
    description: 'create 2 targets',
    command: BATCH,
    stdin: 'create-target --node-id 10001 --disk-index 0 --target-id 101000100101 --chain-id 900100001\ncreate-target --node-id 10001 --disk-index 0 --target-id 101000100102 --chain-id 900100002\n',
    adminCli: true,
  })
}

async function apply(host: ScriptedHost, actions: Action[]) {
  const cluster = {name: 'c1', file: join(dir, 'cluster.yml'), nodes: [{name: 'node1', host: '127.0.0.1', port: 22, username: 'root'}]} as unknown as Cluster
  const plan: Plan = {cluster: 'c1', stateDir: '/var/lib/3fs/state', stages: [{name: 'chains', service: 'mgmtd', actions}]}
  const pool = {get: () => host as unknown as Host} as unknown as HostPool
  return applyPlan({cluster, plan, pool, concurrency: 4, waitIntervalMs: 1})
}

describe('apply: a batch is done only when its command succeeded', () => {
  it('fails a batch whose container is missing, naming node and step, and records nothing', async () => {
    const host = new ScriptedHost('node1', (command) => (command === BATCH ? {exitCode: 1, stderr: 'Error response from daemon: No such container: 3fs-mgmtd\n'} : undefined))
    const batch = batchAction()
    const report = await apply(host, [batch])
    expect(report.complete).toBe(false)
    expect(report.changes).toBe(0)
    expect(report.failures).toHaveLength(1)
    expect(report.failures[0]).toMatchObject({node: 'node1', action: 'node1:mgmtd:create-targets', kind: 'action'})
    expect(report.failures[0]!.message).toMatch(/create 2 targets: exited with 1/)
    expect(report.failures[0]!.output).toMatch(/No such container/)
    expect(host.recorded.has(batch.fingerprint)).toBe(false)
    const local = JSON.parse(await readFile(join(dir, '.3fs-cli', 'c1.state.json'), 'utf8')) as {applied: Record<string, string[]>}
    expect(local.applied.node1 ?? []).not.toContain(batch.fingerprint)
  })

  it('does not call an error that merely mentions "exist" progress', async () => {
    const output = 'Create target 101000100101 on disk 0 of 10001 succeeded\nEncounter error: 4018(Storage::StorageInitFailed)\ntarget 101000100102 is existing in memory, but not found in disk\n'
    const host = new ScriptedHost('node1', (command) => (command === BATCH ? {stdout: output} : undefined))
    const batch = batchAction()
    const report = await apply(host, [batch])
    expect(report.complete).toBe(false)
    expect(report.failures[0]!.message).toMatch(/admin_cli reported 1 error\(s\), first admin_cli: 4018\(Storage::StorageInitFailed\): target 101000100102 is existing in memory/)
    expect(host.recorded.has(batch.fingerprint)).toBe(false)
  })

  it('fails on "Target does not exist"-style answers and on any other error in the batch', async () => {
    const output = 'Encounter error: 5017(Mgmtd::TargetNotFound) target 101000100101 does not exist\n'
    const host = new ScriptedHost('node1', (command) => (command === BATCH ? {stdout: output} : undefined))
    const report = await apply(host, [batchAction()])
    expect(report.complete).toBe(false)
    expect(report.failures[0]!.message).toMatch(/5017\(Mgmtd::TargetNotFound\)/)
  })

  it('counts the exact "target already exists" answers of a re-run batch as done, and records the batch', async () => {
    const output = [
      'Encounter error: 4018(Storage::StorageInitFailed)',
      'target 101000100101 is already existing',
      'Encounter error: 5018(Mgmtd::TargetExisted)',
      'target: 101000100102',
      '',
    ].join('\n')
    const host = new ScriptedHost('node1', (command) => (command === BATCH ? {stdout: output} : undefined))
    const batch = batchAction()
    const report = await apply(host, [batch])
    expect(report.failures).toEqual([])
    expect(report.complete).toBe(true)
    expect(report.changes).toBe(1)
    expect(host.recorded.has(batch.fingerprint)).toBe(true)
  })

  it('does not forgive "already exists" outside a batch (a single admin_cli command must succeed)', async () => {
    const single = action({id: 'node1:mgmtd:upload-chains', node: 'node1', service: 'mgmtd', kind: 'admin-cli', description: 'upload-chains', command: 'admin_cli upload-chains', adminCli: true})
    const host = new ScriptedHost('node1', () => ({stdout: 'Encounter error: 5018(Mgmtd::TargetExisted)\ntarget: 1\n'}))
    const report = await apply(host, [single])
    expect(report.complete).toBe(false)
    expect(report.failures[0]).toMatchObject({action: 'node1:mgmtd:upload-chains'})
  })

  it('stops at the failing step: later actions on the node do not run', async () => {
    const host = new ScriptedHost('node1', (command) => (command === BATCH ? {exitCode: 125, stderr: 'docker: Error response from daemon\n'} : undefined))
    const after = action({id: 'node1:mgmtd:after', node: 'node1', service: 'mgmtd', kind: 'run', description: 'after', command: 'echo after'})
    const report = await apply(host, [batchAction(), after])
    expect(report.complete).toBe(false)
    expect(host.commands.some((entry) => entry.command.includes('echo after'))).toBe(false)
  })

  it('a second run skips what the first recorded', async () => {
    const host = new ScriptedHost('node1', () => ({stdout: 'Create target 1 on disk 0 of 10001 succeeded\n'}))
    const first = await apply(host, [batchAction()])
    expect(first).toMatchObject({complete: true, changes: 1, skipped: 0})
    const second = await apply(host, [batchAction()])
    expect(second).toMatchObject({complete: true, changes: 0, skipped: 1})
  })
})
