/**
 * apply against a scripted host: what counts as done. A batch whose command fails is a failure naming
 * the node and the step, and nothing of it is recorded; only admin_cli's exact "target already exists"
 * answers (3FS ee9a5ce StorageTargets.cc:169, UpdateChainOperation.cc:42) are progress in a re-run.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {applyPlan} from '../../src/deploy/apply.js'
import {buildPlan} from '../../src/deploy/plan.js'
import {action, type Action, type Plan} from '../../src/deploy/model.js'
import {markerCommand} from '../../src/deploy/state.js'
import type {Cluster} from '../../src/config/model.js'
import type {Host, RunOptions, RunResult} from '../../src/remote/host.js'
import type {HostPool} from '../../src/remote/pool.js'

type Answer = {exitCode?: number | null; stdout?: string; stderr?: string; timedOut?: boolean}

class ScriptedHost {
  readonly isLocal = false
  readonly address: string
  readonly commands: Array<{command: string; stdin?: unknown; sudo?: boolean; signal?: unknown}> = []
  /** Fingerprints recorded as applied (marker files written). */
  readonly recorded = new Set<string>()
  constructor(
    readonly name: string,
    private readonly answer: (command: string) => Answer | undefined,
  ) {
    this.address = `root@${name}:22`
  }
  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    this.commands.push({command, stdin: options.stdin, sudo: options.sudo, signal: options.signal})
    let answer: Answer = {}
    if (command.startsWith('ls -1 ')) answer = {stdout: [...this.recorded].join('\n')}
    else answer = this.answer(command) ?? {}
    const exitCode = answer.exitCode === undefined ? 0 : answer.exitCode
    if (exitCode === 0) {
      // A marker written by the command itself (`( command ) && mkdir ... > <stateDir>/<fingerprint>`) or by recordApplied.
      for (const match of command.matchAll(/> '?[^' ]*\/state\/([0-9a-f]{20})'?/g)) this.recorded.add(match[1]!)
    }
    if (options.check && exitCode !== 0) throw new Error(`${command} failed`)
    return {
      node: this.name,
      command,
      exitCode,
      stdout: answer.stdout ?? '',
      stderr: answer.stderr ?? '',
      durationMs: 1,
      timedOut: answer.timedOut ?? false,
      aborted: false,
    }
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

const ONE_NODE = `name: c1
nodes:
  - {name: node1, host: 10.0.0.1, username: root}
services:
  fdb: {nodes: [node1]}
  clickhouse: {nodes: [node1]}
  monitor: {nodes: [node1]}
  mgmtd: {nodes: [node1], stripeSize: 2}
  meta: {nodes: [node1]}
  storage: {nodes: [node1], diskType: dir, replicationFactor: 1, targetNumPerDisk: 2}
`

const BATCH = 'docker exec -i 3fs-mgmtd /opt/3fs/bin/admin_cli -cfg /opt/3fs/etc/admin_cli_root.toml'

function batchAction(): Action {
  return action({
    id: 'node1:mgmtd:create-targets',
    node: 'node1',
    service: 'mgmtd',
    kind: 'admin-cli',
    description: 'create 2 targets',
    command: BATCH,
    stdin:
      'create-target --node-id 10001 --disk-index 0 --target-id 101000100101 --chain-id 900100001\ncreate-target --node-id 10001 --disk-index 0 --target-id 101000100102 --chain-id 900100002\n',
    adminCli: true,
  })
}

async function apply(host: ScriptedHost, actions: Action[]) {
  const cluster = {
    name: 'c1',
    file: join(dir, 'cluster.yml'),
    nodes: [{name: 'node1', host: '127.0.0.1', port: 22, username: 'root'}],
  } as unknown as Cluster
  const plan: Plan = {
    cluster: 'c1',
    stateDir: '/var/lib/3fs/state',
    stages: [{name: 'chains', service: 'mgmtd', actions}],
  }
  const pool = {get: () => host as unknown as Host} as unknown as HostPool
  return applyPlan({cluster, plan, pool, concurrency: 4, waitIntervalMs: 1})
}

describe('apply: a batch is done only when its command succeeded', () => {
  it('fails a batch whose container is missing, naming node and step, and records nothing', async () => {
    const host = new ScriptedHost('node1', (command) =>
      command === BATCH
        ? {exitCode: 1, stderr: 'Error response from daemon: No such container: 3fs-mgmtd\n'}
        : undefined,
    )
    const batch = batchAction()
    const report = await apply(host, [batch])
    expect(report.complete).toBe(false)
    expect(report.changes).toBe(0)
    expect(report.failures).toHaveLength(1)
    expect(report.failures[0]).toMatchObject({node: 'node1', action: 'node1:mgmtd:create-targets', kind: 'action'})
    expect(report.failures[0]!.message).toMatch(/create 2 targets: exited with 1/)
    expect(report.failures[0]!.output).toMatch(/No such container/)
    expect(host.recorded.has(batch.fingerprint)).toBe(false)
    const local = JSON.parse(await readFile(join(dir, '.3fs-cli', 'c1.state.json'), 'utf8')) as {
      applied: Record<string, string[]>
    }
    expect(local.applied.node1 ?? []).not.toContain(batch.fingerprint)
  })

  it('does not call an error that merely mentions "exist" progress', async () => {
    const output =
      'Create target 101000100101 on disk 0 of 10001 succeeded\nEncounter error: 4018(Storage::StorageInitFailed)\ntarget 101000100102 is existing in memory, but not found in disk\n'
    const host = new ScriptedHost('node1', (command) => (command === BATCH ? {stdout: output} : undefined))
    const batch = batchAction()
    const report = await apply(host, [batch])
    expect(report.complete).toBe(false)
    expect(report.failures[0]!.message).toMatch(
      /admin_cli reported 1 error\(s\), first admin_cli: 4018\(Storage::StorageInitFailed\): target 101000100102 is existing in memory/,
    )
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

  it('takes init-cluster\'s "Config for MGMTD existed" (fdb data kept by destroy) as done, exit 1 and all, but no other init-cluster error', async () => {
    const init = buildPlan(parseCluster(ONE_NODE, 'cluster.yml'))
      .stages.flatMap((stage) => stage.actions)
      .find((entry) => entry.id.endsWith(':init-cluster'))!
    const existed = new ScriptedHost('node1', (command) =>
      command === init.command
        ? {exitCode: 1, stdout: 'Encounter error: 999(Unknown)\nConfig for MGMTD existed, version 2\n'}
        : undefined,
    )
    const report = await apply(existed, [init])
    expect(report.failures).toEqual([])
    expect(existed.recorded.has(init.fingerprint)).toBe(true)
    const invalid = new ScriptedHost('node1', (command) =>
      command === init.command
        ? {exitCode: 1, stdout: 'Encounter error: 999(Unknown)\nValidate config for MGMTD failed: bad key\n'}
        : undefined,
    )
    expect((await apply(invalid, [init])).failures[0]).toMatchObject({action: 'node1:mgmtd:init-cluster'})
  })

  it('does not forgive "already exists" outside a batch (a single admin_cli command must succeed)', async () => {
    const single = action({
      id: 'node1:mgmtd:upload-chains',
      node: 'node1',
      service: 'mgmtd',
      kind: 'admin-cli',
      description: 'upload-chains',
      command: 'admin_cli upload-chains',
      adminCli: true,
    })
    const host = new ScriptedHost('node1', () => ({stdout: 'Encounter error: 5018(Mgmtd::TargetExisted)\ntarget: 1\n'}))
    const report = await apply(host, [single])
    expect(report.complete).toBe(false)
    expect(report.failures[0]).toMatchObject({action: 'node1:mgmtd:upload-chains'})
  })

  it('stops at the failing step: later actions on the node do not run', async () => {
    const host = new ScriptedHost('node1', (command) =>
      command === BATCH ? {exitCode: 125, stderr: 'docker: Error response from daemon\n'} : undefined,
    )
    const after = action({
      id: 'node1:mgmtd:after',
      node: 'node1',
      service: 'mgmtd',
      kind: 'run',
      description: 'after',
      command: 'echo after',
    })
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

describe('apply: every kind of action, events, state and reports', () => {
  const run = (id: string, command: string, extra: Partial<Action> = {}) =>
    action({id: `node1:host:${id}`, node: 'node1', service: 'host', kind: 'run', description: id, command, ...extra})

  async function applyWith(
    host: ScriptedHost,
    stages: Plan['stages'],
    options: {
      events?: boolean
      hosts?: Record<string, ScriptedHost>
      signal?: AbortSignal
      waitIntervalMs?: number
    } = {},
  ) {
    const names = Object.keys(options.hosts ?? {node1: host})
    const cluster = {
      name: 'c1',
      file: join(dir, 'cluster.yml'),
      nodes: names.map((name) => ({name, host: '127.0.0.1', port: 22, username: 'root'})),
    } as unknown as Cluster
    const plan: Plan = {cluster: 'c1', stateDir: '/var/lib/3fs/state', stages}
    const pool = {
      get: (node: {name: string}) => (options.hosts ?? {node1: host})[node.name] as unknown as Host,
    } as unknown as HostPool
    const events: string[] = []
    const report = await applyPlan({
      cluster,
      plan,
      pool,
      concurrency: 4,
      waitIntervalMs: options.waitIntervalMs ?? 1,
      ...(options.signal ? {signal: options.signal} : {}),
      ...(options.events === false
        ? {}
        : {
            events: {
              stageStarted: (stage, index) => events.push(`stage ${index} ${stage}`),
              actionStarted: (stage, started) => events.push(`start ${stage} ${started.id}`),
              actionFinished: (stage, finished, outcome) => events.push(`${outcome} ${stage} ${finished.id}`),
              stageFinished: (stage, counts, failed) =>
                events.push(`done ${stage} ${counts.applied}/${counts.skipped}${failed ? ' failed' : ''}`),
            },
          }),
    })
    const local = await readFile(join(dir, '.3fs-cli', 'c1.state.json'), 'utf8').then(
      (text) => JSON.parse(text) as {cluster: string; updatedAt: string; applied: Record<string, string[]>},
      () => undefined,
    )
    return {report, events, local: local!, localWritten: local !== undefined}
  }

  it('runs a plain command with its record in the same round trip, reports stages and events, and keeps a sorted local state', async () => {
    const host = new ScriptedHost('node1', () => ({}))
    const first = run('one', 'echo one')
    const second = run('two', 'echo two')
    const {report, events, local} = await applyWith(host, [{name: 'host', service: 'host', actions: [first, second]}])
    expect(report).toMatchObject({cluster: 'c1', complete: true, changes: 2, skipped: 0, total: 2, failures: []})
    expect(report.stages).toEqual([
      {name: 'host', applied: 2, skipped: 0, verified: 0, durationMs: expect.any(Number), failed: false},
    ])
    expect(report.stages[0]!.durationMs).toBeGreaterThanOrEqual(0)
    expect(report.durationMs).toBeGreaterThanOrEqual(0)
    expect(report.durationMs).toBeLessThan(60_000)
    // One exchange per command: `( command ) && record` (after the state read).
    const commands = host.commands.map((entry) => entry.command)
    expect(commands).toHaveLength(3)
    expect(commands[1]).toBe(`( echo one\n) && ${markerCommand('/var/lib/3fs/state', first)}`)
    expect(commands[1]).toContain(first.fingerprint)
    // Everything runs as root, and can be cancelled.
    expect(host.commands.every((entry) => entry.sudo === true && entry.signal instanceof AbortSignal)).toBe(true)
    expect(events).toEqual([
      'stage 0 host',
      'start host node1:host:one',
      'applied host node1:host:one',
      'start host node1:host:two',
      'applied host node1:host:two',
      'done host 2/0',
    ])
    expect(local).toMatchObject({cluster: 'c1', applied: {node1: [first.fingerprint, second.fingerprint].sort()}})
    expect(local.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    const again = await applyWith(host, [{name: 'host', service: 'host', actions: [first, second]}])
    expect(again.events).toEqual([
      'stage 0 host',
      'skipped host node1:host:one',
      'skipped host node1:host:two',
      'done host 0/2',
    ])
    expect(again.report.stages[0]).toMatchObject({applied: 0, skipped: 2})
  })

  it('runs `always` actions every time and never records them', async () => {
    const host = new ScriptedHost('node1', () => ({}))
    const smoke = run('smoke', 'echo smoke', {always: true})
    await applyWith(host, [{name: 'host', service: 'host', actions: [smoke]}], {events: false})
    const {report} = await applyWith(host, [{name: 'host', service: 'host', actions: [smoke]}], {events: false})
    expect(report).toMatchObject({complete: true, changes: 1, skipped: 0})
    expect(host.recorded.size).toBe(0)
    expect(host.commands.filter((entry) => entry.command === 'echo smoke')).toHaveLength(2)
  })

  it('counts a check that changes nothing (the smoke test) as verified on every run, never as a change or a recorded step', async () => {
    const host = new ScriptedHost('node1', () => ({}))
    const smoke = {...run('smoke', 'true'), always: true, verifies: true}
    const {report} = await applyWith(host, [{name: 'client', service: 'client', actions: [smoke]}])
    expect(report).toMatchObject({complete: true, changes: 0, skipped: 0, verified: 1, total: 1})
    expect(report.stages).toEqual([
      {name: 'client', applied: 0, skipped: 0, verified: 1, durationMs: expect.any(Number), failed: false},
    ])
    // It ran (state read + the check), and nothing recorded it as applied.
    expect(host.commands.map((entry) => entry.command)).toEqual([expect.any(String), 'true'])
  })

  it('fails a command that exits non-zero or times out, with the output tail, and stops the stage', async () => {
    const host = new ScriptedHost('node1', (command) =>
      command.includes('echo bad')
        ? {exitCode: 2, stdout: 'line1\n', stderr: 'broken\n'}
        : command.includes('sleep')
          ? {exitCode: null, timedOut: true, stdout: 'partial'}
          : undefined,
    )
    const {report, events} = await applyWith(host, [
      {name: 'host', service: 'host', actions: [run('bad', 'echo bad'), run('never', 'echo never')]},
      {name: 'later', service: 'host', actions: [run('late', 'echo late')]},
    ])
    expect(report.complete).toBe(false)
    expect(report.failures).toEqual([
      {
        stage: 'host',
        node: 'node1',
        action: 'node1:host:bad',
        description: 'bad',
        message: 'bad: exited with 2',
        output: 'line1\nbroken',
        kind: 'action',
      },
    ])
    expect(report.stages).toEqual([
      {name: 'host', applied: 0, skipped: 0, verified: 0, durationMs: expect.any(Number), failed: true},
    ])
    expect(events.at(-1)).toBe('done host 0/0 failed')
    expect(host.commands.some((entry) => entry.command.includes('never') || entry.command.includes('late'))).toBe(false)
    const slow = new ScriptedHost('node1', (command) =>
      command.includes('sleep') ? {exitCode: null, timedOut: true, stdout: 'partial'} : undefined,
    )
    const timed = await applyWith(slow, [{name: 'host', service: 'host', actions: [run('slow', 'sleep 100')]}], {
      events: false,
    })
    expect(timed.report.failures[0]).toMatchObject({message: 'slow: timed out', output: 'partial'})
  })

  it('reports a node whose deploy state cannot be read, and runs nothing', async () => {
    const host = new ScriptedHost('node1', () => ({}))
    host.run = async (command: string) => {
      host.commands.push({command})
      throw Object.assign(new Error('node1: cannot reach 10.0.0.1:22: connection refused'), {})
    }
    const {report, localWritten} = await applyWith(
      host,
      [{name: 'host', service: 'host', actions: [run('one', 'echo one')]}],
      {events: false},
    )
    expect(report).toMatchObject({complete: false, changes: 0, stages: []})
    expect(localWritten).toBe(false)
    expect(report.failures).toEqual([
      {
        stage: 'Read deploy state',
        node: 'node1',
        action: '',
        description: 'Read deploy state',
        message: expect.stringContaining('connection refused'),
        kind: 'unknown',
      },
    ])
    expect(host.commands).toHaveLength(1)
  })

  it("writes a file through a temp file with its mode and record, and copies another node's file", async () => {
    const node1 = new ScriptedHost('node1', () => ({}))
    const node2 = new ScriptedHost('node2', () => ({}))
    node2.readFile = async () => Buffer.from('secret-token\n')
    const plain = action({
      id: 'node1:host:write:/etc/x',
      node: 'node1',
      service: 'host',
      kind: 'write-file',
      description: 'write /etc/x',
      path: '/etc/x',
      content: 'hello\n',
      mode: '0600',
    })
    const copied = action({
      id: 'node1:host:write:/etc/y',
      node: 'node1',
      service: 'host',
      kind: 'write-file',
      description: 'write /etc/y',
      path: '/etc/y',
      contentFrom: {node: 'node2', path: '/etc/token'},
      secret: true,
    })
    const {report} = await applyWith(node1, [{name: 'files', service: 'host', actions: [plain, copied]}], {
      events: false,
      hosts: {node1, node2},
    })
    expect(report).toMatchObject({complete: true, changes: 2})
    const writes = node1.commands.filter((entry) => entry.command.startsWith('t='))
    expect(writes.map((entry) => entry.stdin)).toEqual(['hello\n', 'secret-token\n'])
    expect(writes[0]!.command).toBe(
      `t=/etc/x.3fs-cli-tmp-$$ && mkdir -p "$(dirname /etc/x)" && cat > "$t" && chmod 0600 "$t" && mv -f "$t" /etc/x && ${markerCommand('/var/lib/3fs/state', plain)}`,
    )
    expect(writes[1]!.command).toContain('chmod 0644 "$t"')
    expect(node1.commands.every((entry) => entry.sudo === true)).toBe(true)
    expect([...node1.recorded].sort()).toEqual([plain.fingerprint, copied.fingerprint].sort())
  })

  it('fails a write that exits non-zero', async () => {
    const host = new ScriptedHost('node1', (command) =>
      command.startsWith('t=') ? {exitCode: 1, stderr: 'Read-only file system\n'} : undefined,
    )
    const write = action({
      id: 'node1:host:write:/etc/x',
      node: 'node1',
      service: 'host',
      kind: 'write-file',
      description: 'write /etc/x',
      path: '/etc/x',
      content: 'x',
    })
    const {report} = await applyWith(host, [{name: 'files', service: 'host', actions: [write]}], {events: false})
    expect(report.failures[0]).toMatchObject({
      action: 'node1:host:write:/etc/x',
      message: 'write /etc/x: exited with 1',
      output: 'Read-only file system',
    })
    expect(host.recorded.size).toBe(0)
  })

  it("captures user-add's token into 0600 files, and fails when the output holds none", async () => {
    const host = new ScriptedHost('node1', (command) =>
      command.includes('user-add') ? {stdout: 'Uid 0\nToken  AAAA-bbbb.ccc(Expired at N/A)\n'} : undefined,
    )
    // admin_cli.toml as deploy renders it: 3FS's whole file, whose [user_info] already has token = ''.
    host.readFile = async () => Buffer.from("cluster_id = 'c1'\n\n[user_info]\ngid = -1\ntoken = ''\nuid = -1\n")
    const userAdd = action({
      id: 'node1:mgmtd:user-add-root',
      node: 'node1',
      service: 'mgmtd',
      kind: 'admin-cli',
      description: 'user-add',
      command: 'admin_cli user-add',
      adminCli: true,
      captureToken: {
        tokenFile: '/opt/3fs/etc/token.txt',
        adminConfig: '/opt/3fs/etc/admin_cli_root.toml',
        adminConfigBase: '/opt/3fs/etc/admin_cli.toml',
      },
    })
    const {report} = await applyWith(host, [{name: 'mgmtd', service: 'mgmtd', actions: [userAdd]}], {events: false})
    expect(report.failures).toEqual([])
    const writes = host.commands.filter((entry) => entry.command.startsWith('t='))
    expect(writes.map((entry) => [entry.command.match(/^t=(\S+?)\.3fs-cli-tmp/)![1], entry.stdin])).toEqual([
      ['/opt/3fs/etc/token.txt', 'AAAA-bbbb.ccc\n'],
      // The token replaces the value in place: one [user_info] table (a second would be a TOML error).
      [
        '/opt/3fs/etc/admin_cli_root.toml',
        "cluster_id = 'c1'\n\n[user_info]\ngid = -1\ntoken = 'AAAA-bbbb.ccc'\nuid = -1\n",
      ],
    ])
    expect(writes.every((entry) => entry.command.includes('chmod 0600'))).toBe(true)
    expect(host.recorded.has(userAdd.fingerprint)).toBe(true)
    const none = new ScriptedHost('node1', () => ({stdout: 'Uid 0\n'}))
    const failed = await applyWith(none, [{name: 'mgmtd', service: 'mgmtd', actions: [userAdd]}], {events: false})
    expect(failed.report.failures[0]).toMatchObject({message: "user-add: no token in admin_cli's output"})
    expect(none.recorded.size).toBe(0)
  })

  it('waits until the output matches, and fails with the last output when it never does', async () => {
    let polls = 0
    const host = new ScriptedHost('node1', (command) =>
      command === 'list-nodes' ? {stdout: ++polls >= 3 ? 'PRIMARY_MGMTD\n' : 'nothing yet\n'} : undefined,
    )
    const wait = action({
      id: 'node1:mgmtd:wait',
      node: 'node1',
      service: 'mgmtd',
      kind: 'wait',
      description: 'wait for a primary',
      command: 'list-nodes',
      until: '^PRIMARY',
      timeoutMs: 10_000,
    })
    const {report} = await applyWith(host, [{name: 'mgmtd', service: 'mgmtd', actions: [wait]}], {events: false})
    expect(report.failures).toEqual([])
    expect(polls).toBe(3)
    expect(host.recorded.has(wait.fingerprint)).toBe(true)
    const never = new ScriptedHost('node1', () => ({stdout: 'SECONDARY\n'}))
    const quick = {...wait, timeoutMs: 50}
    const failed = await applyWith(never, [{name: 'mgmtd', service: 'mgmtd', actions: [quick]}], {events: false})
    expect(failed.report.failures[0]).toMatchObject({
      message: 'wait for a primary: not reached within 0 s',
      output: 'SECONDARY',
    })
    expect(never.recorded.size).toBe(0)
  })

  it('an admin_cli wait polls list-chains and judges the parsed table: SYNCING and errors are not yet, the timeout names the last state', async () => {
    const header =
      'ChainId    ReferencedBy  ChainVersion  Status       PreferredOrder  Target                        Target\n'
    const rows = [
      // mgmtd not primary yet: admin_cli prints the error on stdout and exits 0 (Dispatcher.cc:41-51).
      'Encounter error: 5003(Mgmtd::NotPrimary)\n',
      `${header}900100001  1             1             UNAVAILABLE  []              101000101(OFFLINE-OFFLINE)    102000101(OFFLINE-OFFLINE)\n`,
      `${header}900100001  1             1             SYNCING      []              101000101(SERVING-UPTODATE)   102000101(SYNCING-ONLINE)\n`,
      `${header}900100001  1             1             SERVING      []              101000101(SERVING-UPTODATE)   102000101(SERVING-UPTODATE)\n`,
    ]
    let polls = 0
    const host = new ScriptedHost('node1', (command) =>
      command.endsWith('list-chains') ? {stdout: rows[Math.min(polls++, rows.length - 1)]} : undefined,
    )
    const wait = action({
      id: 'node1:mgmtd:wait:chains-serving',
      node: 'node1',
      service: 'mgmtd',
      kind: 'wait',
      description: 'wait until all 1 chains are SERVING',
      command: 'admin_cli list-chains',
      adminCliWait: {kind: 'chains-serving', atLeast: 1},
      timeoutMs: 10_000,
    })
    const {report} = await applyWith(host, [{name: 'Chains', service: 'mgmtd', actions: [wait]}], {events: false})
    expect(report.failures).toEqual([])
    expect(polls).toBe(4)
    expect(host.recorded.has(wait.fingerprint)).toBe(true)

    const stuck = new ScriptedHost('node1', () => ({stdout: rows[2]}))
    const failed = await applyWith(stuck, [{name: 'Chains', service: 'mgmtd', actions: [{...wait, timeoutMs: 30}]}], {
      events: false,
    })
    expect(failed.report.failures[0]).toMatchObject({
      message: 'wait until all 1 chains are SERVING: not reached within 0 s (last: 0 of 1 chains SERVING; 1 SYNCING)',
      output: rows[2]!.trim(),
    })
    expect(stuck.recorded.size).toBe(0)
  })

  it('a wait stops at once when the run is cancelled, without waiting out its poll interval or timeout', async () => {
    const controller = new AbortController()
    let polls = 0
    const host = new ScriptedHost('node1', (command) => {
      if (command.endsWith('list-nodes') && ++polls === 1) setTimeout(() => controller.abort(), 5)
      return command.endsWith('list-nodes') ? {stdout: 'Encounter error: 5003(Mgmtd::NotPrimary)\n'} : undefined
    })
    const wait = action({
      id: 'node1:mgmtd:wait:primary',
      node: 'node1',
      service: 'mgmtd',
      kind: 'wait',
      description: 'wait for a primary mgmtd',
      command: 'admin_cli list-nodes',
      adminCliWait: {kind: 'primary-mgmtd'},
      timeoutMs: 600_000,
    })
    const started = performance.now()
    const {report} = await applyWith(host, [{name: 'mgmtd', service: 'mgmtd', actions: [wait]}], {
      events: false,
      signal: controller.signal,
      waitIntervalMs: 60_000,
    })
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(report.complete).toBe(false)
    expect(polls).toBe(1)
    expect(host.recorded.size).toBe(0)
  })

  it('uploads an artifact before loading it', async () => {
    const host = new ScriptedHost('node1', () => ({}))
    const uploads: Array<[string, string, unknown]> = []
    ;(host as unknown as {upload: Host['upload']}).upload = async (local, remote, options) => {
      uploads.push([local, remote, options?.mode])
      return {node: 'node1', remotePath: remote, sha256: '', bytes: 0, skipped: false}
    }
    const load = action({
      id: 'node1:host:load',
      node: 'node1',
      service: 'host',
      kind: 'load-image',
      description: 'load images',
      uploadFrom: '/local/images.tar',
      path: '/var/tmp/images.tar',
      command: 'docker load -i /var/tmp/images.tar',
    })
    const {report} = await applyWith(host, [{name: 'images', service: 'host', actions: [load]}], {events: false})
    expect(report.complete).toBe(true)
    expect(uploads).toEqual([['/local/images.tar', '/var/tmp/images.tar', '0600']])
    expect(host.commands.at(-1)!.command).toContain('docker load -i /var/tmp/images.tar')
  })
})

describe('apply: an action that runs with another one (rolling waits around a storage start)', () => {
  it('runs when its partner runs in this deploy, and is skipped when the partner was applied before the deploy began', async () => {
    const start = action({
      id: 'node1:storage:start',
      node: 'node1',
      service: 'storage',
      kind: 'start-container',
      description: 'start',
      command: 'start-storage image:v1',
    })
    const after = (partner: Action) => ({
      ...action({
        id: 'node1:storage:wait:after:node1',
        node: 'node1',
        service: 'storage',
        kind: 'run',
        description: 'after',
        command: `check-chains # ${partner.fingerprint}`,
      }),
      runsWith: {node: 'node1', fingerprint: partner.fingerprint},
    })
    const host = new ScriptedHost('node1', () => ({stdout: 'ok'}))
    const first = await apply(host, [start, after(start)])
    expect(first.changes).toBe(2)
    // Applied before: the wait is skipped with its start (0 changes), although the wait itself was recorded too.
    host.recorded.delete(after(start).fingerprint)
    const second = await apply(host, [start, after(start)])
    expect(second.changes).toBe(0)
    expect(host.commands.filter((entry) => entry.command.includes('check-chains'))).toHaveLength(1)
    // A new image: the start runs again, and so does its wait, after it.
    const upgraded = action({...start, command: 'start-storage image:v2'})
    const before = host.commands.length
    const third = await apply(host, [upgraded, after(upgraded)])
    expect(third.changes).toBe(2)
    const order = host.commands
      .slice(before)
      .map((entry) => entry.command)
      .filter((command) => /start-storage image:v2|check-chains/.test(command))
    expect(order[0]).toMatch(/start-storage image:v2/)
    expect(order[1]).toMatch(/check-chains/)
  })
})
