/**
 * deploy plans, computed without any node: golden plans for a 1-node (RF 1), a 3-node and the seed's
 * 25 storage + 50 compute layout, every rendered 3FS config key checked against the keys of 3FS's own
 * config files, secrets kept out of plans, and a 500-node plan.
 */
import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {buildPlan, planJson} from '../../src/deploy/plan.js'
import {buildDestroyPlan} from '../../src/deploy/destroy.js'
import {allActions, stageSteps} from '../../src/deploy/model.js'
import {usableNvmeDisks} from '../../src/deploy/preflight.js'
import {shippedConfigs} from '../../src/cluster/threefs-config/shipped.js'
import {extractSections} from '../fixtures/3fs-shipped/extract.mjs'

const ONE_NODE = `name: solo
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

const THREE_NODES = `name: trio
nodes:
  - {name: n1, host: 10.0.0.1, username: root}
  - {name: n2, host: 10.0.0.2, username: root}
  - {name: n3, host: 10.0.0.3, username: root}
services:
  fdb: {nodes: [n1, n2, n3]}
  clickhouse: {nodes: [n1], password: ch-secret-4711}
  monitor: {nodes: [n1]}
  mgmtd: {nodes: [n1]}
  meta: {nodes: [n1, n2]}
  storage: {nodes: [n1, n2, n3], diskNumPerNode: 2, replicationFactor: 3, targetNumPerDisk: 8}
  client: {nodes: [n1, n2, n3]}
`

/** The seed's GraySort layout: 25 storage nodes (16 NVMe each), 50 compute (client) nodes. */
function seedLayout(storage = 25, compute = 50): string {
  return `name: graysort
nodeGroups:
  - {name: storage, username: root, ipBegin: 10.1.0.1, ipEnd: 10.1.0.${storage}}
  - {name: compute, username: root, ipBegin: 10.2.0.1, ipEnd: 10.2.${Math.floor(compute / 256)}.${compute % 256}}
services:
  fdb: {nodeGroups: [storage]}
  clickhouse: {nodes: ["storage-node(10.1.0.1)"], password: ch-secret-4711}
  monitor: {nodes: ["storage-node(10.1.0.1)"]}
  mgmtd: {nodes: ["storage-node(10.1.0.1)", "storage-node(10.1.0.2)"]}
  meta: {nodes: ["storage-node(10.1.0.1)", "storage-node(10.1.0.2)", "storage-node(10.1.0.3)"]}
  storage: {nodeGroups: [storage], diskNumPerNode: 16, replicationFactor: 3, targetNumPerDisk: 6}
  client: {nodeGroups: [compute]}
`
}

/** A readable golden form: one line per action, file contents indented below their write. */
function golden(yaml: string): string {
  const plan = planJson(buildPlan(parseCluster(yaml, 'cluster.yml')))
  const lines: string[] = []
  for (const entry of plan.actions) {
    lines.push(`[${entry.stage}] ${entry.node} ${entry.kind}: ${entry.description}`)
    if (entry.path) lines.push(`    path ${entry.path}${entry.mode ? ` mode ${entry.mode}` : ''}`)
    // A 3FS config file is shown as what differs from the file 3FS ships (its text is checked whole below).
    if (entry.config)
      lines.push(
        `    3FS configs/${entry.config.file} at ${entry.config.commit.slice(0, 7)}, changed:`,
        ...entry.config.changes.map((change) => `    ~ ${change.key} = ${change.value}  (shipped ${change.shipped})`),
      )
    else if (entry.content !== undefined)
      lines.push(
        ...entry.content
          .trimEnd()
          .split('\n')
          .map((line) => `    | ${line}`),
      )
    if (entry.command) lines.push(...entry.command.split('\n').map((line) => `    $ ${line}`))
    if (entry.until) lines.push(`    until /${entry.until}/`)
    if (entry.expect) lines.push(`    expect ${entry.expect.text}`)
  }
  return `${lines.join('\n')}\n`
}

// Command construction only: the containers, admin_cli and the fuse mount these plans drive need real 3FS,
// a Docker engine and RDMA, none of which run here (see test/integration/deploy.test.ts for what runs).
describe('deploy plans (command construction; real 3FS cannot run here)', () => {
  it('matches the golden plan for one node with RF 1', async () => {
    await expect(golden(ONE_NODE)).toMatchFileSnapshot('../fixtures/deploy/plan-1-node.txt')
  })

  it('matches the golden plan for three nodes (RF 3, two disks)', async () => {
    await expect(golden(THREE_NODES)).toMatchFileSnapshot('../fixtures/deploy/plan-3-nodes.txt')
  })

  it('plans the seed layout (25 storage + 50 compute): stages, counts and chain table size', async () => {
    const plan = buildPlan(parseCluster(seedLayout(), 'cluster.yml'))
    const summary = plan.stages.map(
      (stage) =>
        `${stage.name}: ${stage.actions.length} actions on ${new Set(stage.actions.map((entry) => entry.node)).size} nodes in ${stageSteps(stage).length} step(s)`,
    )
    await expect(`${summary.join('\n')}\n`).toMatchFileSnapshot('../fixtures/deploy/plan-seed-summary.txt')
    const actions = allActions(plan)
    expect(
      actions
        .find((entry) => entry.id.endsWith(':create-targets'))!
        .stdin!.trim()
        .split('\n'),
    ).toHaveLength(25 * 16 * 6)
    expect(actions.find((entry) => entry.description.startsWith('wait until all'))!.description).toBe(
      'wait until all 800 chains are SERVING',
    )
    expect(actions.filter((entry) => entry.kind === 'smoke-test')).toHaveLength(50)
    expect(actions.find((entry) => entry.description.startsWith('configure new'))!.description).toBe(
      'configure new triple ssd',
    )
  })

  it("runs the steps of every stage in 3FS's order: init-cluster before mgmtd starts, set-config before services start, waits last", () => {
    const plan = buildPlan(parseCluster(THREE_NODES, 'cluster.yml'))
    const mgmtd = stageSteps(plan.stages.find((stage) => stage.name === 'mgmtd')!)
    // After the primary is up, mgmtd's own main config is pushed (init-cluster stored it only the first time).
    expect(mgmtd.map((step) => [...new Set(step.map((entry) => entry.kind))].join('+'))).toEqual([
      'write-file',
      'admin-cli',
      'start-container',
      'wait+admin-cli',
    ])
    expect(mgmtd.at(-1)!.at(-1)!.description).toBe('set-config --type MGMTD (upload mgmtd_main.toml to mgmtd)')
    const meta = stageSteps(plan.stages.find((stage) => stage.name === 'meta')!)
    expect(meta[0]!.map((entry) => entry.kind)).toEqual(['write-file', 'admin-cli'])
    expect(meta.at(-1)!.map((entry) => entry.kind)).toEqual(['wait'])
    expect(plan.stages.map((stage) => stage.name)).toEqual([
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
  })

  it("renders every 3FS config file whole: the sections, keys and order of 3FS's own file at the image's commit", () => {
    const plan = buildPlan(
      parseCluster(
        THREE_NODES.replace(
          'mgmtd: {nodes: [n1]}',
          'mgmtd: {nodes: [n1], rdmaListenPort: 8100, tcpListenPort: 9100}',
        ).replace('monitor: {nodes: [n1]}', 'monitor: {nodes: [n1], port: 10100}'),
        'cluster.yml',
      ),
    )
    const files = allActions(plan).filter((entry) => entry.kind === 'write-file' && entry.path?.endsWith('.toml'))
    const shipped = shippedConfigs('ee9a5cee0a85c64f4797bf380257350ca1becd36').files
    const checked = new Set<string>()
    for (const file of files) {
      const name = file.path!.split('/').pop()!
      expect(file.config?.file).toBe(name)
      const shape = (sections: ReturnType<typeof extractSections>) =>
        sections.map(
          (section) =>
            `${section.array ? '[[' : '['}${section.table}] ${section.entries.map(([key]) => key).join(',')}`,
        )
      expect(shape(extractSections(file.content!, name)), name).toEqual(shape(shipped[name]!))
      checked.add(name)
    }
    expect([...checked].sort()).toEqual([
      'admin_cli.toml',
      'hf3fs_fuse_main.toml',
      'hf3fs_fuse_main_launcher.toml',
      'meta_main.toml',
      'meta_main_app.toml',
      'meta_main_launcher.toml',
      'mgmtd_main.toml',
      'mgmtd_main_app.toml',
      'mgmtd_main_launcher.toml',
      'monitor_collector_main.toml',
      'storage_main.toml',
      'storage_main_app.toml',
      'storage_main_launcher.toml',
    ])
  })

  it('never shows a secret in a plan, redacting only the secret value of a 3FS config, and keeps it off docker command lines', () => {
    const plan = planJson(buildPlan(parseCluster(THREE_NODES, 'cluster.yml')))
    const json = JSON.stringify(plan)
    expect(json).not.toContain('ch-secret-4711')
    expect(json).toContain('CLICKHOUSE_PASSWORD=<secret>')
    const monitor = plan.actions.find((entry) => entry.path?.endsWith('/monitor_collector_main.toml'))!
    expect(monitor.mode).toBe('0600')
    expect(monitor.content).toContain('passwd = <secret>')
    expect(monitor.content).toContain("user = 'default'")
    expect(monitor.config!.changes.find((change) => change.key.endsWith('.passwd'))).toEqual({
      key: 'server.monitor_collector.reporter.clickhouse.passwd',
      shipped: "''",
      value: '<secret>',
      secret: true,
    })
    const start = allActions(buildPlan(parseCluster(THREE_NODES, 'cluster.yml'))).find((entry) =>
      entry.id.endsWith(':clickhouse:start'),
    )!
    expect(start.command).toContain('--env-file')
  })

  it('plans 500 nodes (100 storage, 400 clients) with every action unique', () => {
    const plan = buildPlan(
      parseCluster(seedLayout(100, 400).replace('targetNumPerDisk: 6', 'targetNumPerDisk: 3'), 'cluster.yml'),
    )
    const actions = allActions(plan)
    expect(new Set(actions.map((entry) => entry.id)).size).toBe(actions.length)
    expect(actions.filter((entry) => entry.kind === 'start-container' && entry.service === 'client')).toHaveLength(400)
  })

  it('changes the fingerprint of exactly the actions whose content changes', () => {
    const before = allActions(buildPlan(parseCluster(THREE_NODES, 'cluster.yml')))
    const after = allActions(
      buildPlan(
        parseCluster(
          THREE_NODES.replace('monitor: {nodes: [n1]}', 'monitor: {nodes: [n1], port: 10100}'),
          'cluster.yml',
        ),
      ),
    )
    const changed = after
      .filter((entry, index) => entry.fingerprint !== before[index]!.fingerprint)
      .map((entry) => entry.id)
    expect(changed.length).toBeGreaterThan(0)
    // The monitor's address is in every main config, so each is rewritten and uploaded to mgmtd again.
    expect(changed.every((id) => /monitor|_main\.toml|hf3fs|set-config/.test(id))).toBe(true)
    expect(changed.filter((id) => id.includes(':set-config:')).sort()).toEqual([
      'n1:client:set-config:FUSE',
      'n1:meta:set-config:META',
      'n1:mgmtd:set-config:MGMTD',
      'n1:storage:set-config:STORAGE',
    ])
  })

  it('destroys in reverse order and deletes data only when asked', () => {
    const cluster = parseCluster(THREE_NODES, 'cluster.yml')
    const keep = buildDestroyPlan(cluster, {purgeData: false, wipeDisks: false})
    expect(keep.stages.map((stage) => stage.name)).toEqual([
      'Remove client',
      'Remove storage',
      'Remove meta',
      'Remove mgmtd',
      'Remove monitor',
      'Remove clickhouse',
      'Remove fdb',
      'Forget deploy state',
    ])
    const commands = allActions(keep)
      .map((entry) => entry.command ?? '')
      .join('\n')
    expect(commands).not.toMatch(/wipefs|rm -rf "\$d"/)
    const purge = allActions(buildDestroyPlan(cluster, {purgeData: true, wipeDisks: true}))
      .map((entry) => entry.command ?? '')
      .join('\n')
    expect(purge).toMatch(/wipefs -a/)
    expect(purge).toMatch(/rm -rf "\$d"/)
  })

  it('counts blank or 3fs-labelled NVMe disks as usable and never a disk with data or partitions', () => {
    const lsblk = [
      'NAME="nvme0n1" TYPE="disk" SIZE="3840755982336" MOUNTPOINT="" LABEL="" FSTYPE="" PKNAME=""',
      'NAME="nvme1n1" TYPE="disk" SIZE="3840755982336" MOUNTPOINT="/opt/3fs/storage/3fsdata/data0" LABEL="3fs-data-0" FSTYPE="xfs" PKNAME=""',
      'NAME="nvme2n1" TYPE="disk" SIZE="3840755982336" MOUNTPOINT="" LABEL="" FSTYPE="ext4" PKNAME=""',
      'NAME="nvme3n1" TYPE="disk" SIZE="3840755982336" MOUNTPOINT="" LABEL="" FSTYPE="" PKNAME=""',
      'NAME="nvme3n1p1" TYPE="part" SIZE="3840755982336" MOUNTPOINT="" LABEL="" FSTYPE="" PKNAME="nvme3n1"',
      'NAME="sda" TYPE="disk" SIZE="480103981056" MOUNTPOINT="" LABEL="" FSTYPE="" PKNAME=""',
    ].join('\n')
    expect(usableNvmeDisks(lsblk)).toEqual(['nvme0n1', 'nvme1n1'])
  })
})
