/**
 * What a real 3FS cluster needs from a deploy, read in 3FS's source at the image's commit (ee9a5ce) and in
 * m3fs, checked in `deploy --plan --json` for 1, 3 and 75 nodes and every network type. Each of these
 * failed on the plans of the version that rendered only "the keys that must be set".
 */
import {describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {NETWORK_TYPES} from '../../src/config/schema.js'
import {buildPlan, planJson, type PlannedAction} from '../../src/deploy/plan.js'
import {extractSections} from '../fixtures/3fs-shipped/extract.mjs'

function clusterYaml(nodes: number, networkType: string): string {
  const names = Array.from({length: nodes}, (_, index) => `n${index + 1}`)
  const storage = names.slice(0, Math.max(1, Math.min(nodes, 50)))
  const rf = Math.min(3, storage.length)
  return [
    `name: facts-${nodes}`,
    `networkType: ${networkType}`,
    'logLevel: WARN',
    'nodes:',
    ...names.map(
      (name, index) =>
        `  - {name: ${name}, host: 10.0.${Math.floor(index / 250)}.${(index % 250) + 1}, username: root}`,
    ),
    'services:',
    `  fdb: {nodes: [${names.slice(0, Math.min(5, nodes)).join(', ')}]}`,
    '  clickhouse: {nodes: [n1], password: ch-pass-0042}',
    '  monitor: {nodes: [n1]}',
    `  mgmtd: {nodes: [${names.slice(0, Math.min(2, nodes)).join(', ')}], stripeSize: 2}`,
    `  meta: {nodes: [${names.slice(0, Math.min(3, nodes)).join(', ')}]}`,
    `  storage: {nodes: [${storage.join(', ')}], diskType: dir, replicationFactor: ${rf}, targetNumPerDisk: ${rf === 3 ? 6 : 4}}`,
    `  client: {nodes: [${names.join(', ')}]}`,
    '',
  ].join('\n')
}

function planFor(nodes: number, networkType: string): PlannedAction[] {
  try {
    return planJson(buildPlan(parseCluster(clusterYaml(nodes, networkType), 'cluster.yml'))).actions
  } catch (error) {
    throw new Error(
      `${nodes} nodes, ${networkType}: ${(error as {problems?: Array<{message: string}>}).problems?.map((problem) => problem.message).join('; ') ?? error}`,
    )
  }
}

/** The value of a key in a rendered file, read back out of its text (table.key, first element wins for arrays of tables). */
function valueIn(
  action: PlannedAction,
  table: string,
  key: string,
  element?: (entries: Array<[string, string]>) => boolean,
): string | undefined {
  const sections = extractSections(action.content!, action.path!)
  const candidates = sections.filter((section) => section.table === table)
  const owners = sections.filter((section) => section.array)
  for (const section of candidates) {
    if (element) {
      // The element of an array of tables this section belongs to: the last [[...]] header before it.
      const ownerIndex = sections
        .slice(0, sections.indexOf(section) + 1)
        .map((candidate, index) => ({candidate, index}))
        .filter(({candidate}) => candidate.array && owners.includes(candidate) && table.startsWith(candidate.table))
        .at(-1)
      if (!ownerIndex || !element(ownerIndex.candidate.entries)) continue
    }
    const entry = section.entries.find(([name]) => name === key)
    if (entry) return entry[1]
  }
  return undefined
}

const files = (actions: PlannedAction[], name: string) =>
  actions.filter((action) => action.kind === 'write-file' && action.path?.endsWith(`/${name}`))
const starts = (actions: PlannedAction[]) =>
  actions.filter((action) => action.kind === 'start-container' && /3fs:20250410/.test(action.command ?? ''))
const isRdmaGroup = (entries: Array<[string, string]>) =>
  entries.some(([key, value]) => key === 'network_type' && value !== "'TCP'")
const isTcpGroup = (entries: Array<[string, string]>) =>
  entries.some(([key, value]) => key === 'network_type' && value === "'TCP'")

describe.each([1, 3, 75])('a %i-node deploy plan', (nodes) => {
  describe.each(NETWORK_TYPES)('networkType %s', (networkType) => {
    const actions = planFor(nodes, networkType)

    it('1: mgmtd accepts heartbeats of services it has not registered, and a changed mgmtd_main.toml is pushed with set-config', () => {
      for (const file of files(actions, 'mgmtd_main.toml'))
        expect(valueIn(file, 'server.service', 'allow_heartbeat_from_unregistered')).toBe('true')
      const push = actions.find(
        (action) => action.description === 'set-config --type MGMTD (upload mgmtd_main.toml to mgmtd)',
      )
      expect(push?.command).toMatch(
        /set-config --type MGMTD --file \/opt\/3fs\/etc\/mgmtd_main.toml' # mgmtd_main.toml sha256:[0-9a-f]{16}$/,
      )
    })

    it('2: meta listens on its own ports (8001/9001), not its code defaults 8000/9000 beside mgmtd', () => {
      for (const file of [...files(actions, 'meta_main.toml')]) {
        expect(valueIn(file, 'server.base.groups.listener', 'listen_port', isRdmaGroup)).toBe('8001')
        expect(valueIn(file, 'server.base.groups.listener', 'listen_port', isTcpGroup)).toBe('9001')
      }
      for (const file of files(actions, 'storage_main.toml'))
        expect(valueIn(file, 'server.base.groups.listener', 'listen_port', isRdmaGroup)).toBe('8002')
    })

    it('3: FoundationDB advertises the node address (no FDB_NETWORKING_MODE=host) and configure is retried', () => {
      for (const action of actions.filter((entry) => entry.description === 'start 3fs-fdb'))
        expect(action.command).not.toContain('FDB_NETWORKING_MODE')
      const configure = actions.find((action) => action.description.startsWith('configure new'))!
      expect(configure.command).toContain('[ $i -lt 10 ]')
    })

    it('4: addresses and listeners for the network type, and what its containers need', () => {
      const ib = networkType === 'IB'
      for (const file of [...files(actions, 'admin_cli.toml'), ...files(actions, 'meta_main.toml')]) {
        const addresses = valueIn(
          file,
          file.path!.endsWith('admin_cli.toml') ? 'mgmtd_client' : 'server.mgmtd_client',
          'mgmtd_server_addresses',
        )!
        expect(addresses).toMatch(ib ? /^\[ 'IPoIB:\/\/10\.0\.0\.1:8000'/ : /^\[ 'RDMA:\/\/10\.0\.0\.1:8000'/)
      }
      for (const file of files(actions, 'mgmtd_main.toml'))
        expect(valueIn(file, 'server.base.groups', 'network_type', isRdmaGroup)).toBe(ib ? "'IPoIB'" : "'RDMA'")
      const threefs = starts(actions)
      const ibdev = threefs.filter((action) => action.command!.includes(':/usr/sbin/ibdev2netdev:ro'))
      const erdma = threefs.filter((action) =>
        action.command!.includes('/etc/libibverbs.d/erdma.driver:/etc/libibverbs.d/erdma.driver:ro'),
      )
      expect(ibdev.length).toBe(networkType === 'RXE' || networkType === 'ERDMA' ? threefs.length - 1 : 0) // all but the monitor
      expect(erdma.length).toBe(networkType === 'ERDMA' ? threefs.length - 1 : 0)
      const rxe = actions.filter((action) => action.description.startsWith('soft-RoCE'))
      expect(rxe.length).toBe(networkType === 'RXE' ? nodes : 0)
      if (rxe[0]) expect(rxe[0].command).toContain('rdma link add "rxe_$nic" type rxe netdev "$nic"')
    })

    it('5: every service logs to /var/log/3fs, mounted from <workDir>/<service>/log, at the cluster.yml logLevel', () => {
      for (const name of [
        'mgmtd_main.toml',
        'meta_main.toml',
        'storage_main.toml',
        'hf3fs_fuse_main.toml',
        'monitor_collector_main.toml',
      ]) {
        for (const file of files(actions, name)) {
          expect(valueIn(file, 'common.log.handlers', 'file_path')).toMatch(/^'\/var\/log\/3fs\/[a-z0-9_]+\.log'$/)
          expect(valueIn(file, 'common.log.categories', 'level')).toBe("'WARN'")
        }
      }
      for (const action of starts(actions))
        expect(action.command).toMatch(/-v \/opt\/3fs\/(mgmtd|meta|storage|client|monitor)\/log:\/var\/log\/3fs /)
    })

    it('6: every 3FS container gets nofile 1048576 and the host /dev, as m3fs runs them', () => {
      expect(starts(actions).length).toBeGreaterThan(0)
      for (const action of starts(actions)) {
        expect(action.command).toContain('--ulimit nofile=1048576:1048576')
        expect(action.command).toContain('-v /dev:/dev ')
      }
    })

    it('7: ClickHouse listens on every address of its node', () => {
      const ports = files(actions, '3fs-ports.xml')[0]!
      expect(ports.content).toContain('<listen_host>0.0.0.0</listen_host>')
      expect(ports.content).toContain('<listen_try>1</listen_try>')
    })

    it("9: m3fs's layout: configs in <workDir>/<service>/config.d, storage targets in a 3fs directory on each disk", () => {
      for (const action of actions.filter((entry) => entry.path?.endsWith('.toml')))
        expect(action.path).toMatch(/^\/opt\/3fs\/(mgmtd|meta|storage|client|monitor)\/config\.d\/[a-z0-9_]+\.toml$/)
      for (const file of files(actions, 'storage_main.toml'))
        expect(valueIn(file, 'server.targets', 'target_paths')).toBe("[ '/mnt/3fsdata/data0/3fs' ]")
    })
  })
})
