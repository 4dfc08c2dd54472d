/**
 * A cluster's life after the first deploy, planned without any node: node ids recorded once and never
 * renumbered by an edit of cluster.yml; storage nodes added with new chains and one new chain-table
 * version holding the old chains unchanged; removals and live-setting changes refused before anything
 * changes; clients added or taken out mount or unmount only themselves.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {extendChainTable} from '../../src/deploy/chain-table-extend.js'
import {generateChainTable} from '../../src/deploy/chain-table.js'
import {recordLayout} from '../../src/deploy/layout-record.js'
import {allActions, stageSteps, type Plan} from '../../src/deploy/model.js'
import {planJson} from '../../src/deploy/plan.js'
import {planDeploy} from '../../src/deploy/service.js'
import {localStatePath, readLocalState, writeLocalState} from '../../src/deploy/state.js'
import {UsageError} from '../../src/errors.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), '3fs-growth-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** Storage nodes as named (fdb, mgmtd, meta on s1), clients, and `idle` nodes listed under nodes: with no service. */
function clusterYml(options: {
  storage: string[]
  clients?: string[]
  disks?: number
  rf?: number
  meta?: string[]
  idle?: string[]
}): string {
  const names = [
    ...new Set([...options.storage, ...(options.clients ?? []), ...(options.meta ?? []), ...(options.idle ?? [])]),
  ]
  return [
    'name: grow',
    'nodes:',
    ...names.map(
      (name, index) =>
        `  - {name: ${name}, host: 10.9.${Math.floor(index / 250)}.${(index % 250) + 1}, username: root}`,
    ),
    'services:',
    '  fdb: {nodes: [s1]}',
    '  clickhouse: {nodes: [s1], password: ch-secret-4711}',
    '  monitor: {nodes: [s1]}',
    '  mgmtd: {nodes: [s1], stripeSize: 4}',
    `  meta: {nodes: [${(options.meta ?? ['s1']).join(', ')}]}`,
    `  storage: {nodes: [${options.storage.join(', ')}], diskType: dir, diskNumPerNode: ${options.disks ?? 2}, replicationFactor: ${options.rf ?? 3}, targetNumPerDisk: 6}`,
    ...(options.clients?.length ? [`  client: {nodes: [${options.clients.join(', ')}]}`] : []),
    '',
  ].join('\n')
}

async function load(text: string) {
  const file = join(dir, 'cluster.yml')
  await writeFile(file, text)
  return parseCluster(text, file)
}

/** What a complete deploy leaves beside cluster.yml: the layout and every action of the plan recorded as applied. */
async function recordDeployed(plan: Plan, cluster: Awaited<ReturnType<typeof load>>): Promise<void> {
  await recordLayout(cluster, plan.layout!)
  const path = localStatePath(cluster.file, cluster.name)
  const state = (await readLocalState(path))!
  for (const action of allActions(plan))
    if (!action.always) state.applied[action.node] = [...(state.applied[action.node] ?? []), action.fingerprint]
  await writeLocalState(path, state)
}

async function deployedThenEdited(before: string, after: string) {
  const first = await load(before)
  const firstPlan = await planDeploy(first, {runtime: 'docker'})
  await recordDeployed(firstPlan, first)
  const edited = await load(after)
  return {firstPlan, plan: await planDeploy(edited, {runtime: 'docker'})}
}

const storageNames = (count: number) => Array.from({length: count}, (_, index) => `s${index + 1}`)

describe('node ids are assigned once and recorded', () => {
  it('inserting storage and meta nodes in the middle of their lists keeps every existing id; the new ones get the next ids', async () => {
    const {firstPlan, plan} = await deployedThenEdited(
      clusterYml({storage: ['s1', 's2', 's3'], meta: ['s1', 's2']}),
      clusterYml({storage: ['s1', 'new', 's2', 's3'], meta: ['s1', 'm0', 's2']}),
    )
    const ids = Object.fromEntries(planJson(plan).nodeIds.map((entry) => [entry.node, entry.ids]))
    expect(ids.s1).toEqual({mgmtd: 1, meta: 100, storage: 10_001})
    expect(ids.s2).toEqual({meta: 101, storage: 10_002})
    expect(ids.s3).toEqual({storage: 10_003})
    expect(ids.new).toEqual({storage: 10_004})
    expect(ids.m0).toEqual({meta: 102})
    // The node_id each existing node's config carries is unchanged, so none of its actions runs again.
    const appConfig = (p: Plan, node: string) =>
      allActions(p).find((action) => action.node === node && action.path?.endsWith('storage_main_app.toml'))!
    for (const node of ['s1', 's2', 's3'])
      expect(appConfig(plan, node).fingerprint).toBe(appConfig(firstPlan, node).fingerprint)
    expect(appConfig(plan, 'new').content).toMatch(/^node_id = 10004$/m)
    // The plan shows only what is new: nothing on s2 or s3.
    expect(planJson(plan).actions.filter((action) => action.node === 's2' || action.node === 's3')).toEqual([])
  })

  it('without a record, ids follow cluster.yml order as before (clusters deployed by earlier versions plan the same actions)', async () => {
    const cluster = await load(clusterYml({storage: ['s1', 's2', 's3']}))
    const plan = await planDeploy(cluster, {runtime: 'docker'})
    expect(planJson(plan).nodeIds.find((entry) => entry.node === 's3')!.ids).toEqual({storage: 10_003})
    expect(allActions(plan).map((action) => action.id)).toContain('s1:mgmtd:upload-chain-table')
    expect(planJson(plan).chainTable).toEqual([
      {version: 1, chains: 12, newChains: 12, storageNodeIds: [10_001, 10_002, 10_003]},
    ])
  })
})

describe('adding storage nodes', () => {
  it('1 node added to a 25-storage-node cluster: the plan lists only its actions plus new targets, new chains and one chain-table upload', async () => {
    const {firstPlan, plan} = await deployedThenEdited(
      clusterYml({storage: storageNames(25)}),
      clusterYml({storage: storageNames(26)}),
    )
    const json = planJson(plan)
    const nodes = new Set(json.actions.map((action) => action.node))
    expect([...nodes].sort()).toEqual(['s1', 's26'])
    // On s26: directories, sysctl, image, data dirs, configs, container: and nothing of another service.
    expect(
      json.actions
        .filter((action) => action.node === 's26')
        .map((action) => action.service)
        .every((service) => service === 'host' || service === 'storage'),
    ).toBe(true)
    expect(json.actions.some((action) => action.node === 's26' && action.kind === 'start-container')).toBe(true)
    // On the admin node s1 only mgmtd's admin_cli work for the new chains and the waits.
    const admin = json.actions.filter((action) => action.node === 's1')
    expect(admin.map((action) => action.description)).toEqual([
      // The cluster is live, so even the new node's storage start is rolled between chain checks.
      'before (re)starting storage on s26: no chain may have its last SERVING replica there; wait until every chain is SERVING with every replica',
      'after (re)starting storage on s26: wait until every chain is SERVING with every replica',
      'wait until 26 STORAGE service(s) send heartbeats',
      'write chains-v2.csv (12 chains x 3 replicas)',
      'write chain-table-v2.csv (112 chains)',
      'create 36 targets (12 new on storage node 10026)',
      'upload-chains (12 new chains)',
      'upload-chain-table 1, version 2: the 100 chains of version 1 unchanged plus 12 new',
      'wait until all 112 chains are SERVING',
    ])
    expect(json.actions.filter((action) => action.command?.includes('upload-chain-table'))).toHaveLength(1)
    expect(json.chainTable.map((entry) => [entry.version, entry.chains, entry.newChains])).toEqual([
      [1, 100, 100],
      [2, 112, 12],
    ])

    // The new version lists version 1's chains in the same order, then the new ones.
    const file = (p: Plan, name: string) => allActions(p).find((action) => action.path?.endsWith(`/${name}`))!.content!
    const v1 = file(firstPlan, 'chain-table.csv').trim().split('\n')
    const v2 = file(plan, 'chain-table-v2.csv').trim().split('\n')
    expect(v2.slice(0, v1.length)).toEqual(v1)
    expect(v2).toHaveLength(v1.length + 12)
    // Version 1's files and actions are the same ones (recorded as applied, so not run again).
    expect(file(plan, 'chain-table.csv')).toBe(file(firstPlan, 'chain-table.csv'))
    expect(file(plan, 'chains.csv')).toBe(file(firstPlan, 'chains.csv'))
    // upload-chains gets only the new chains, each with one replica on the new node, the others on distinct old nodes.
    const rows = file(plan, 'chains-v2.csv')
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => row.split(',').map(Number))
    expect(rows).toHaveLength(12)
    for (const [, ...targets] of rows) {
      const nodeIds = targets.map((target) => Math.floor(target / 100_000) % 1_000_000)
      expect(nodeIds[0]).toBe(10_026)
      expect(new Set(nodeIds).size).toBe(3)
    }
    // create-target only for targets that did not exist.
    const created = json.actions.find((action) => action.description.startsWith('create 36 targets'))!.stdin!
    const oldTargets = new Set(file(firstPlan, 'chains.csv').split(/[\n,]/))
    for (const line of created.trim().split('\n'))
      expect(oldTargets.has(/--target-id (\d+)/.exec(line)![1]!)).toBe(false)
  })

  it('the plan after the growth was applied has nothing left but what always runs', async () => {
    const first = await load(clusterYml({storage: storageNames(3)}))
    await recordDeployed(await planDeploy(first, {runtime: 'docker'}), first)
    const grown = await load(clusterYml({storage: storageNames(4)}))
    await recordDeployed(await planDeploy(grown, {runtime: 'docker'}), grown)
    const again = planJson(await planDeploy(grown, {runtime: 'docker'}))
    expect(again.actions).toEqual([])
    expect(again.chainTable.map((entry) => entry.version)).toEqual([1, 2])
  })

  it('removing a storage node is refused before anything changes, naming the key and what to do', async () => {
    const first = await load(clusterYml({storage: storageNames(4)}))
    await recordDeployed(await planDeploy(first, {runtime: 'docker'}), first)
    const shrunk = await load(clusterYml({storage: ['s1', 's2', 's4']}))
    const error = await planDeploy(shrunk, {runtime: 'docker'}).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toMatch(
      /services\.storage no longer lists s3, which runs storage with node id 10003/,
    )
    expect((error as UsageError).next.join('\n')).toMatch(/Put s3 back under services\.storage/)
  })

  it('a changed disk count on a live cluster is refused, naming services.storage.diskNumPerNode', async () => {
    const first = await load(clusterYml({storage: storageNames(3), disks: 2}))
    await recordDeployed(await planDeploy(first, {runtime: 'docker'}), first)
    const error = await planDeploy(await load(clusterYml({storage: storageNames(3), disks: 3})), {
      runtime: 'docker',
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toMatch(
      /services\.storage\.diskNumPerNode is 3, but the live cluster's targets and chains were made with 2/,
    )
    // The record is unchanged: the refused plan wrote nothing.
    expect((await readLocalState(localStatePath(first.file, first.name)))!.layout!.storage!.diskNumPerNode).toBe(2)
  })
})

describe('clients added and taken out', () => {
  it('a new client gets its own mount actions only; a client taken out is unmounted, and nobody else is touched', async () => {
    const {plan} = await deployedThenEdited(
      clusterYml({storage: storageNames(3), clients: ['c1', 'c2']}),
      clusterYml({storage: storageNames(3), clients: ['c1', 'c3'], idle: ['c2']}),
    )
    const json = planJson(plan)
    const changed = json.actions.filter((action) => action.kind !== 'smoke-test')
    expect([...new Set(changed.map((action) => action.node))].sort()).toEqual(['c2', 'c3'])
    expect(changed.filter((action) => action.node === 'c3').some((action) => action.kind === 'start-container')).toBe(
      true,
    )
    expect(changed.filter((action) => action.node === 'c2').map((action) => action.description)).toEqual([
      expect.stringMatching(/^unmount \/3fs and remove 3fs-client/),
    ])
    expect(json.nodeIds.find((entry) => entry.node === 'c3')!.ids).toEqual({client: 3})
  })
})

describe('extending a chain table', () => {
  const settings = {disksPerNode: 2, targetsPerDisk: 4, replicationFactor: 3, targetIdPrefix: 1, chainIdPrefix: 9}
  const old = Array.from({length: 6}, (_, index) => 10_001 + index)
  const existing = generateChainTable({...settings, nodeIds: old})

  it('with RF or more new nodes, new chains sit on the new nodes only and continue the chain numbering', () => {
    const added = extendChainTable({...settings, existing, oldNodeIds: old, newNodeIds: [10_007, 10_008, 10_009]})
    expect(new Set(added.targets.map((target) => target.nodeId))).toEqual(new Set([10_007, 10_008, 10_009]))
    const oldIds = new Set(existing.chains.map((chain) => chain.chainId))
    expect(added.chains.every((chain) => !oldIds.has(chain.chainId))).toBe(true)
    expect(
      Math.min(
        ...added.chains
          .filter((chain) => Math.floor(chain.chainId / 100_000) % 1000 === 1)
          .map((chain) => chain.chainId % 100_000),
      ),
    ).toBe(existing.chains.length / 2 + 1)
  })

  it('with fewer new nodes than RF, extra targets go to the least-loaded old nodes, never reusing a target id', () => {
    const added = extendChainTable({...settings, existing, oldNodeIds: old, newNodeIds: [10_007]})
    const oldTargets = new Set(existing.targets.map((target) => target.targetId))
    expect(added.targets.every((target) => !oldTargets.has(target.targetId))).toBe(true)
    expect(new Set(added.targets.map((target) => target.targetId)).size).toBe(added.targets.length)
    const byId = new Map(added.targets.map((target) => [target.targetId, target]))
    for (const chain of added.chains) expect(new Set(chain.targets.map((id) => byId.get(id)!.nodeId)).size).toBe(3)
    // 4 new chains x 2 old replicas per disk: 8 extra targets per disk over 6 old nodes, at most 1 apart.
    for (const disk of [0, 1]) {
      const perOld = old.map(
        (node) => added.targets.filter((target) => target.nodeId === node && target.diskIndex === disk).length,
      )
      expect(perOld.reduce((sum, count) => sum + count, 0)).toBe(8)
      expect(Math.max(...perOld) - Math.min(...perOld)).toBeLessThanOrEqual(1)
    }
  })
})

describe('an image tag change on a live cluster (upgrade) rolls storage', () => {
  it('each storage start is its own step between two waits for every chain SERVING; a first deploy starts them together', async () => {
    const yml = clusterYml({storage: storageNames(3)})
    const first = await load(yml)
    const firstPlan = await planDeploy(first, {runtime: 'docker'})
    const storageStage = (plan: Plan) => plan.stages.find((stage) => stage.name === 'storage')!
    expect(
      stageSteps(storageStage(firstPlan)).filter((step) => step.some((action) => action.kind === 'start-container')),
    ).toHaveLength(1)
    await recordDeployed(firstPlan, first)

    const upgraded = await planDeploy(await load(`${yml}images:\n  3fs: {repo: open3fs/3fs, tag: '20250501'}\n`), {
      runtime: 'docker',
    })
    const steps = stageSteps(storageStage(upgraded)).map((step) =>
      step.map((action) => `${action.kind}@${action.node}`),
    )
    const rolled = steps.filter(
      (step) =>
        step.some((entry) => entry.startsWith('start-container')) || step.some((entry) => entry.startsWith('wait@s1')),
    )
    expect(rolled.slice(0, 9)).toEqual([
      ['wait@s1'],
      ['start-container@s1'],
      ['wait@s1'],
      ['wait@s1'],
      ['start-container@s2'],
      ['wait@s1'],
      ['wait@s1'],
      ['start-container@s3'],
      ['wait@s1'],
    ])
    const waits = allActions(upgraded).filter(
      (action) => action.id.includes(':storage:wait:before:') || action.id.includes(':storage:wait:after:'),
    )
    // Every replica SERVING (no target OFFLINE, LASTSRV, WAITING, SYNCING): judged on the parsed list-chains.
    expect(waits.every((action) => action.adminCliWait?.kind === 'chains-serving')).toBe(true)
    expect(waits.every((action) => action.command!.includes('list-chains'))).toBe(true)
    // Pending in the plan: the new image's starts with their waits, nothing on an unchanged config.
    const pending = planJson(upgraded)
      .actions.filter((action) => action.stage === 'storage')
      .map((action) => action.kind)
    expect(pending.filter((kind) => kind === 'start-container')).toHaveLength(3)
  })
})

describe('Grafana (services.grafana, as m3fs has it)', () => {
  it('plans the container with the ClickHouse data source (password redacted, file 0600) and every dashboard under templates/grafana, provisioned from files', async () => {
    const yml = clusterYml({storage: storageNames(3)}).replace(
      'services:\n',
      'services:\n  grafana: {nodes: [s2], port: 3300}\n',
    )
    const cluster = await load(yml)
    const plan = await planDeploy(cluster, {runtime: 'docker'})
    const json = planJson(plan)
    const grafana = json.actions.filter((action) => action.stage === 'Grafana')
    expect(new Set(grafana.map((action) => action.node))).toEqual(new Set(['s2']))
    const datasource = grafana.find((action) => action.path?.endsWith('/datasources/clickhouse.yaml'))!
    expect(datasource.mode).toBe('0600')
    expect(datasource.content).toContain('uid: 3fs_clickhouse')
    expect(datasource.content).toContain('host: "10.9.0.1"')
    expect(JSON.stringify(json)).not.toContain('ch-secret-4711')
    const dashboards = grafana.filter((action) => /\/dashboards\/[^/]+\.json$/.test(action.path ?? ''))
    expect(dashboards.map((action) => action.path!.split('/').pop())).toEqual(['3fs-overview.json'])
    const dashboard = JSON.parse(
      allActions(plan).find((action) => action.path?.endsWith('/3fs-overview.json'))!.content!,
    )
    // Every panel reads the monitor tables this project creates, through the provisioned data source.
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe('3fs_clickhouse')
      expect(panel.targets[0].rawSql).toMatch(/FROM \$\{db\}\.(counters|distributions) /)
    }
    expect(dashboard.templating.list[0].query).toBe('3fs')
    const start = grafana.find((action) => action.kind === 'start-container')!
    expect(start.command).toMatch(/ open3fs\/grafana:12\.0\.0$/)
    expect(start.command).toContain('GF_SERVER_HTTP_PORT=3300')
    expect(
      json.actions.some(
        (action) =>
          action.node === 's2' && action.kind === 'pull-image' && action.description.includes('open3fs/grafana:12.0.0'),
      ),
    ).toBe(true)
    const {grafanaUrl} = await import('../../src/deploy/services/grafana.js')
    expect(grafanaUrl(cluster)).toBe('http://10.9.0.2:3300')
  })
})
