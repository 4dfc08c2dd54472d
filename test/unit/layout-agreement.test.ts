/**
 * deploy and status agree on where every 3FS piece lives, because both are built from one derivation
 * (src/cluster/layout.ts). Checked against what the deploy plan actually does, not against the shared
 * function: the containers each node's plan starts, the admin node and mgmtd container its admin_cli calls
 * use, the host directories behind the storage targets, the mount the client waits for, and the node ids
 * the plan reports, for 1, 3 and 75 (25 storage + 50 compute) node clusters.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {idsOfNode} from '../../src/cluster/node-ids.js'
import {parseCluster} from '../../src/config/loader.js'
import {allActions} from '../../src/deploy/model.js'
import {buildPlan, planJson} from '../../src/deploy/plan.js'
import {statusLayout} from '../../src/status/layout.js'
import {recordedLayout} from '../../src/status/node-ids.js'

const ONE = `name: solo
nodes:
  - {name: n1, host: 10.0.0.1, username: root}
services:
  fdb: {nodes: [n1]}
  clickhouse: {nodes: [n1], password: ch-secret-4711}
  monitor: {nodes: [n1]}
  mgmtd: {nodes: [n1], stripeSize: 4}
  meta: {nodes: [n1]}
  storage: {nodes: [n1], diskType: dir, replicationFactor: 1, targetNumPerDisk: 4}
  client: {nodes: [n1]}
`

// Custom names and paths, so that agreement cannot come from both sides using the defaults.
const THREE = `name: trio
workDir: /srv/threefs
nodes:
  - {name: n1, host: 10.0.0.1, username: root}
  - {name: n2, host: 10.0.0.2, username: root}
  - {name: n3, host: 10.0.0.3, username: root}
services:
  fdb: {nodes: [n1, n2, n3], containerName: trio-fdb}
  clickhouse: {nodes: [n1], password: ch-secret-4711}
  monitor: {nodes: [n1]}
  mgmtd: {nodes: [n2, n1], containerName: trio-mgmtd}
  meta: {nodes: [n1, n2]}
  storage: {nodes: [n1, n2, n3], diskNumPerNode: 2, replicationFactor: 3, targetNumPerDisk: 8, containerName: trio-storage}
  client: {nodes: [n1, n2, n3], hostMountpoint: /mnt/trio}
`

const SEVENTY_FIVE = `name: graysort
nodeGroups:
  - {name: storage, username: root, ipBegin: 10.1.0.1, ipEnd: 10.1.0.25}
  - {name: compute, username: root, ipBegin: 10.2.0.1, ipEnd: 10.2.0.50}
services:
  fdb: {nodeGroups: [storage]}
  clickhouse: {nodes: ["storage-node(10.1.0.1)"], password: ch-secret-4711}
  monitor: {nodes: ["storage-node(10.1.0.1)"]}
  mgmtd: {nodes: ["storage-node(10.1.0.1)", "storage-node(10.1.0.2)"]}
  meta: {nodes: ["storage-node(10.1.0.1)", "storage-node(10.1.0.2)", "storage-node(10.1.0.3)"]}
  storage: {nodeGroups: [storage], diskNumPerNode: 16, replicationFactor: 3, targetNumPerDisk: 6}
  client: {nodeGroups: [compute]}
`

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'layout-agreement-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe.each([
  ['1 node', ONE, 1],
  ['3 nodes, custom names and paths', THREE, 3],
  ['75 nodes (25 storage + 50 compute)', SEVENTY_FIVE, 75],
])('deploy and status agree on the layout: %s', (_name, yaml, count) => {
  const load = () => parseCluster(yaml, join(dir, `${count}.yml`))

  it('every container status expects on a node is the one the plan starts there, and no other', () => {
    const cluster = load()
    expect(cluster.nodes).toHaveLength(count)
    const plan = buildPlan(cluster)
    const status = statusLayout(cluster)
    for (const node of status.nodes) {
      const started = allActions(plan)
        .filter((action) => action.node === node.name && action.kind === 'start-container')
        .map((action) => /\brun -d --name (\S+)/.exec(action.command!)?.[1])
      expect(started.every((name) => name !== undefined)).toBe(true)
      expect(new Set(started)).toEqual(
        new Set(node.containers.filter((entry) => entry.service !== 'postgresql').map((entry) => entry.container)),
      )
    }
  })

  it('admin_cli runs where status runs it (the first mgmtd node) in the container status names', () => {
    const cluster = load()
    const plan = buildPlan(cluster)
    const status = statusLayout(cluster)
    const adminCli = allActions(plan).filter((action) => action.kind === 'admin-cli' || action.adminCliWait)
    expect(adminCli.length).toBeGreaterThan(0)
    for (const action of adminCli) expect(action.node).toBe(status.adminNodes[0])
    const execs = adminCli.filter((action) => / exec /.test(action.command!))
    expect(execs.length).toBeGreaterThan(0)
    for (const action of execs) expect(action.command).toMatch(new RegExp(` exec (-i )?${status.mgmtdContainer} `))
    const fdbStarts = allActions(plan).filter((action) => action.service === 'fdb' && action.kind === 'start-container')
    expect(fdbStarts.map((action) => action.node)).toEqual(status.fdbNodes)
    for (const action of fdbStarts) expect(action.command).toContain(`--name ${status.fdbContainer} `)
  })

  it('the storage targets deploy configures live in the data directories status checks, one per disk', () => {
    const cluster = load()
    const plan = buildPlan(cluster)
    const status = statusLayout(cluster)
    for (const node of status.nodes.filter((entry) => entry.services.includes('storage'))) {
      const actions = allActions(plan).filter((action) => action.node === node.name && action.service === 'storage')
      const start = actions.find((action) => action.kind === 'start-container')!
      // -v <host dir>:/mnt/3fsdata: the host side of the targets' directories.
      const [, hostData, containerData] = / -v (\S+):(\/mnt\/3fsdata) /.exec(start.command!)!
      const config = actions.find((action) => action.config?.file === 'storage_main.toml')!
      const paths = JSON.parse(
        config.config!.changes.find((change) => change.key === 'server.targets.target_paths')!.value.replace(/'/g, '"'),
      ) as string[]
      const onHost = paths.map((path) => `${hostData}${path.slice(containerData!.length)}`)
      expect(onHost).toHaveLength(node.dataDirs.length)
      for (const [index, path] of onHost.entries()) expect(path).toBe(`${node.dataDirs[index]}/3fs`)
    }
  })

  it('the client mount deploy waits for is the mount status probes', () => {
    const cluster = load()
    const plan = buildPlan(cluster)
    const status = statusLayout(cluster)
    const clients = status.nodes.filter((entry) => entry.services.includes('client'))
    expect(clients.length).toBeGreaterThan(0)
    for (const node of clients) {
      const wait = allActions(plan).find((action) => action.node === node.name && action.id.endsWith(':wait:mounted'))!
      expect(/--mountpoint '?([^' ]+)'?/.exec(wait.command!)?.[1]).toBe(node.mountpoint)
      expect(node.mountpoint).toBe(status.mountpoint)
    }
  })

  it('status names each node by the ids the plan assigns', async () => {
    const cluster = load()
    const planned = planJson(buildPlan(cluster)).nodeIds
    const {layout, problem} = await recordedLayout(cluster)
    expect(problem).toBeUndefined()
    expect(planned.length).toBeGreaterThan(0)
    for (const entry of planned) expect(idsOfNode(layout!, entry.node)).toEqual(entry.ids)
  })
})
