/**
 * An upgrade (image tag change) on a live cluster, planned without any node: storage, meta and mgmtd
 * restart one node at a time in that order, storage guarded by the chain check; the chain guard itself
 * on admin_cli's listings; and apply's handling of the guard (stops at once) and of a start that crashes
 * (not recorded, so a re-run starts that node again and skips the ones before it).
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import type {Cluster} from '../../src/config/model.js'
import {applyPlan} from '../../src/deploy/apply.js'
import {chainLossReason, GUARD_SEPARATOR} from '../../src/deploy/chain-guard.js'
import {recordLayout} from '../../src/deploy/layout-record.js'
import {allActions, stageSteps, type Action, type Plan} from '../../src/deploy/model.js'
import {planJson} from '../../src/deploy/plan.js'
import {planDeploy} from '../../src/deploy/service.js'
import {localStatePath, readLocalState, writeLocalState} from '../../src/deploy/state.js'
import type {Host, RunOptions, RunResult} from '../../src/remote/host.js'
import type {HostPool} from '../../src/remote/pool.js'
import {printTable as table} from '../fixtures/status/admin-format.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), '3fs-upgrade-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const YML = `name: up
nodes:
  - {name: s1, host: 10.9.0.1, username: root}
  - {name: s2, host: 10.9.0.2, username: root}
  - {name: s3, host: 10.9.0.3, username: root}
services:
  fdb: {nodes: [s1]}
  clickhouse: {nodes: [s1], password: ch-secret-4711}
  monitor: {nodes: [s1]}
  mgmtd: {nodes: [s1], stripeSize: 2}
  meta: {nodes: [s1, s2]}
  storage: {nodes: [s1, s2, s3], diskType: dir, diskNumPerNode: 1, replicationFactor: 2, targetNumPerDisk: 2}
  client: {nodes: [s3]}
`
const NEW_TAG = "images:\n  3fs: {repo: open3fs/3fs, tag: '20250501'}\n"

async function load(text: string): Promise<Cluster> {
  const file = join(dir, 'cluster.yml')
  await writeFile(file, text)
  return parseCluster(text, file)
}

async function recordDeployed(plan: Plan, cluster: Cluster): Promise<void> {
  await recordLayout(cluster, plan.layout!)
  const path = localStatePath(cluster.file, cluster.name)
  const state = (await readLocalState(path))!
  for (const action of allActions(plan))
    if (!action.always) state.applied[action.node] = [...(state.applied[action.node] ?? []), action.fingerprint]
  await writeLocalState(path, state)
}

async function upgradePlan(): Promise<{first: Plan; upgraded: Plan}> {
  const cluster = await load(YML)
  const first = await planDeploy(cluster, {runtime: 'docker'})
  await recordDeployed(first, cluster)
  return {first, upgraded: await planDeploy(await load(YML + NEW_TAG), {runtime: 'docker'})}
}

describe('an image tag change on a live cluster (upgrade)', () => {
  it('rolls storage, then meta, then mgmtd, then the client, one node per step; a first deploy keeps 3FS deploy order', async () => {
    const {first, upgraded} = await upgradePlan()
    expect(first.stages.map((stage) => stage.name)).toEqual([
      'Prepare hosts',
      'Pull images',
      'FoundationDB',
      'ClickHouse',
      'Monitor collector',
      'mgmtd',
      'meta',
      'storage',
      'Chains',
      'fuse client',
    ])
    // What the upgrade does, in order, as deploy --plan shows it: only the starts and their guards and waits.
    const json = planJson(upgraded)
    // The monitor collector runs the 3FS image too; it serves no data, so it is restarted where it stands.
    expect(json.stages.map((stage) => stage.name)).toEqual([
      'Pull images',
      'Monitor collector',
      'storage',
      'meta',
      'mgmtd',
      'fuse client',
    ])
    const order = json.actions
      .filter((action) => action.stage !== 'Pull images' && action.stage !== 'Monitor collector')
      .map((action) => `${action.kind}@${action.node}:${action.service}`)
    expect(order).toEqual([
      'wait@s1:storage',
      'start-container@s1:storage',
      'wait@s1:storage',
      'wait@s1:storage',
      'start-container@s2:storage',
      'wait@s1:storage',
      'wait@s1:storage',
      'start-container@s3:storage',
      'wait@s1:storage',
      'start-container@s1:meta',
      'wait@s1:meta',
      'start-container@s2:meta',
      'wait@s1:meta',
      'start-container@s1:mgmtd',
      'wait@s1:mgmtd',
      // The client last: its mount taken down first (a stale fuse mount would pass the wait), then waited for.
      'run@s3:client',
      'start-container@s3:client',
      'wait@s3:client',
      'smoke-test@s3:client',
    ])
    // Each rolled start is a step of its own: no two nodes restart at once.
    for (const name of ['storage', 'meta', 'mgmtd']) {
      const stage = upgraded.stages.find((entry) => entry.name === name)!
      for (const step of stageSteps(stage))
        expect(new Set(step.filter((action) => action.kind === 'start-container')).size).toBeLessThanOrEqual(1)
    }
  })

  it('guards each storage start with the chain check for that node, checks each start still runs, and waits for meta and mgmtd by id', async () => {
    const {upgraded} = await upgradePlan()
    const actions = allActions(upgraded)
    const guards = actions.filter((action) => action.chainGuard)
    expect(guards.map((action) => action.chainGuard)).toEqual([
      {node: 's1', storageId: 10_001},
      {node: 's2', storageId: 10_002},
      {node: 's3', storageId: 10_003},
    ])
    // Run on every deploy whose start is still to do, never recorded: a resumed upgrade judges the cluster as it is then.
    expect(guards.every((action) => action.always && action.runsWith)).toBe(true)
    expect(guards[0]!.command).toContain(GUARD_SEPARATOR)
    const starts = actions.filter(
      (action) => action.kind === 'start-container' && ['storage', 'meta', 'mgmtd', 'client'].includes(action.service),
    )
    expect(starts).toHaveLength(7)
    expect(starts.every((action) => action.verifyAfter?.includes("'running restarts=0'"))).toBe(true)
    const back = actions.filter((action) => action.id.includes(':wait:back:'))
    expect(back.map((action) => action.adminCliWait)).toEqual([
      {kind: 'heartbeats', nodeType: 'META', ids: [100]},
      {kind: 'heartbeats', nodeType: 'META', ids: [101]},
      {kind: 'primary-mgmtd'},
    ])
  })

  it('a deploy with nothing changed plans nothing, and a first deploy has no guards or checks', async () => {
    const {first} = await upgradePlan()
    expect(allActions(first).some((action) => action.chainGuard || action.verifyAfter)).toBe(false)
    const again = await planDeploy(await load(YML), {runtime: 'docker'})
    expect(planJson(again).actions.map((action) => action.kind)).toEqual(['smoke-test'])
  })
})

const TARGETS = table([
  ['TargetId', 'ChainId', 'Role', 'PublicState', 'LocalState', 'NodeId', 'DiskIndex', 'UsedSize'],
  ['101', '900100001', 'HEAD', 'SERVING', 'UPTODATE', '10001', '0', '0'],
  ['201', '900100001', 'TAIL', 'SERVING', 'UPTODATE', '10002', '0', '0'],
  ['202', '900100002', 'HEAD', 'SERVING', 'UPTODATE', '10002', '0', '0'],
  ['302', '900100002', 'TAIL', 'OFFLINE', 'OFFLINE', '10003', '0', '0'],
])
const chains = (third: string) =>
  table([
    ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target', 'Target'],
    ['900100001', '1', '1', 'SERVING', '[]', '101(SERVING-UPTODATE)', '201(SERVING-UPTODATE)'],
    [
      '900100002',
      '1',
      '2',
      third === 'SERVING' ? 'SERVING' : 'SERVING(1/2)',
      '[]',
      '202(SERVING-UPTODATE)',
      `302(${third})`,
    ],
  ])

describe('the chain guard', () => {
  it('names the chain whose last SERVING replica is on the node, and passes a node whose chains serve elsewhere', () => {
    expect(chainLossReason(TARGETS, chains('OFFLINE-OFFLINE'), {name: 's2', storageId: 10_002})).toBe(
      'chain 900100002 has no SERVING replica outside s2 (202(SERVING) 302(OFFLINE)); restarting s2 would take it down',
    )
    expect(chainLossReason(TARGETS, chains('OFFLINE-OFFLINE'), {name: 's1', storageId: 10_001})).toBeUndefined()
    expect(chainLossReason(TARGETS, chains('SERVING-UPTODATE'), {name: 's2', storageId: 10_002})).toBeUndefined()
  })

  it('a node without targets: unknown for restart, safe for a node being added', () => {
    const node = {name: 's4', storageId: 10_004}
    expect(chainLossReason(TARGETS, chains('SERVING-UPTODATE'), node)).toMatch(/lists no targets on storage node 10004/)
    expect(chainLossReason(TARGETS, chains('SERVING-UPTODATE'), node, {noTargetsIsSafe: true})).toBeUndefined()
  })
})

/** A node that answers the guard's listings, and docker commands, as told. */
function scriptedHost(answer: (command: string) => Partial<RunResult> | undefined) {
  const recorded = new Set<string>()
  const commands: string[] = []
  const host = {
    isLocal: false,
    address: 'root@s1:22',
    async run(command: string, options: RunOptions = {}): Promise<RunResult> {
      commands.push(command)
      const given = command.startsWith('ls -1 ') ? {stdout: [...recorded].join('\n')} : (answer(command) ?? {})
      const exitCode = given.exitCode === undefined ? 0 : given.exitCode
      if (exitCode === 0)
        for (const match of command.matchAll(/> '?[^' ]*\/state\/([0-9a-f]{20})'?/g)) recorded.add(match[1]!)
      if (options.check && exitCode !== 0) throw new Error(`${command} failed`)
      return {
        node: 's1',
        command,
        exitCode,
        stdout: given.stdout ?? '',
        stderr: '',
        durationMs: 1,
        timedOut: false,
        aborted: false,
      }
    },
    async close() {},
  }
  return {host, recorded, commands}
}

async function applyActions(host: unknown, actions: Action[]) {
  const cluster = {
    name: 'up',
    file: join(dir, 'cluster.yml'),
    nodes: [{name: 's1', host: '127.0.0.1', port: 22, username: 'root'}],
  } as unknown as Cluster
  const plan: Plan = {
    cluster: 'up',
    stateDir: '/var/lib/3fs/state',
    stages: [{name: 'storage', service: 'storage', actions}],
  }
  const pool = {get: () => host as Host} as unknown as HostPool
  return applyPlan({cluster, plan, pool, concurrency: 4, waitIntervalMs: 1})
}

describe('apply of a rolled start', () => {
  const onS1 = (plan: Plan) =>
    allActions(plan)
      .filter((action) => action.node === 's1' && action.service === 'storage')
      .filter((action) => action.chainGuard || action.kind === 'start-container' || action.id.includes(':wait:after:'))

  it('stops at once when the guard finds a chain whose last SERVING replica is on the node, and starts nothing', async () => {
    const {upgraded} = await upgradePlan()
    const [guard, start] = onS1(upgraded)
    const node2 = {...guard!, chainGuard: {node: 's2', storageId: 10_002}}
    const {host, commands} = scriptedHost((command) =>
      command.includes('list-targets')
        ? {stdout: `${TARGETS}${GUARD_SEPARATOR}\n${chains('OFFLINE-OFFLINE')}`}
        : undefined,
    )
    const started = Date.now()
    const report = await applyActions(host, [node2, {...start!, barrier: true}])
    expect(Date.now() - started).toBeLessThan(5000)
    expect(report.complete).toBe(false)
    expect(report.failures[0]!.message).toMatch(
      /stopped: chain 900100002 has no SERVING replica outside s2 .*restarting s2 would take it down$/,
    )
    expect(commands.filter((command) => command.includes(' run -d '))).toEqual([])
  })

  it('a start whose container does not stay up fails and is not recorded; the next run starts it again', async () => {
    const {upgraded} = await upgradePlan()
    const [, start] = onS1(upgraded)
    let crash = true
    const {host, recorded, commands} = scriptedHost((command) =>
      command.includes(' run -d ') && crash
        ? {exitCode: 1, stdout: '3fs-storage is restarting restarts=2 after its start'}
        : undefined,
    )
    const failed = await applyActions(host, [start!])
    expect(failed.failures[0]!.output).toMatch(/restarting restarts=2/)
    expect(recorded.has(start!.fingerprint)).toBe(false)
    // The check rides in the start's own round trip, before its record.
    const sent = commands.find((command) => command.includes(' run -d '))!
    expect(sent.indexOf('restarts=0')).toBeGreaterThan(sent.indexOf(' run -d '))
    expect(sent.indexOf('restarts=0')).toBeLessThan(sent.indexOf(start!.fingerprint))
    crash = false
    const again = await applyActions(host, [start!])
    expect(again.complete).toBe(true)
    expect(recorded.has(start!.fingerprint)).toBe(true)
    const third = await applyActions(host, [start!])
    expect(third.skipped).toBe(1)
  })
})
