/**
 * Growing a deployed cluster from 3 to 4 storage nodes through the built CLI, on 4 SSH test hosts that
 * each run a REAL dockerd (hosts.sh --docker) with the stand-in 3FS images (doubles of mgmtd, storage
 * and admin_cli: real 3FS cannot run here). One cluster serves every assertion: the new node is
 * inserted in the MIDDLE of services.storage, so ids must come from the record, not the order.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {dockerAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

const available = dockerAvailable()
// nofile/memlock: this sandbox's kernel refuses to raise rlimits (see deploy-docker.test.ts).
const IGNORE = ['--ignore-check', 'cpu,rdma,nic,nofile,memlock']
const DEPLOY_MS = 600_000

describe.skipIf(!available)(
  'adding a storage node to a deployed cluster (stand-in 3FS services on real dockerd test hosts)',
  () => {
    let hosts: TestHosts
    let config: string
    let write: (storage: string[]) => void

    beforeAll(async () => {
      hosts = TestHosts.start(4, {docker: true})
      await hosts.loadImages()
      const base = 33_000 + Math.floor(Math.random() * 3000) * 10
      config = join(hosts.dir, 'grow-cluster.yml')
      write = (storage) =>
        writeFileSync(
          config,
          [
            'name: grow',
            'nodes:',
            ...hosts.nodes.map(
              (node) =>
                `  - {name: ${node.name}, host: ${node.ip}, port: ${node.port}, username: root, identityFile: ${hosts.key()}}`,
            ),
            'services:',
            `  fdb: {nodes: [node1], port: ${base}}`,
            `  clickhouse: {nodes: [node1], password: ch-pass-5150, tcpPort: ${base + 1}}`,
            `  monitor: {nodes: [node1], port: ${base + 2}}`,
            `  mgmtd: {nodes: [node1], stripeSize: 2, rdmaListenPort: ${base + 3}, tcpListenPort: ${base + 4}}`,
            `  meta: {nodes: [node1], rdmaListenPort: ${base + 5}, tcpListenPort: ${base + 6}}`,
            `  storage: {nodes: [${storage.join(', ')}], diskType: dir, replicationFactor: 2, targetNumPerDisk: 2, rdmaListenPort: ${base + 7}, tcpListenPort: ${base + 8}}`,
            'ssh:',
            `  knownHostsFile: ${hosts.knownHosts}`,
            '  useAgent: false',
            '',
          ].join('\n'),
        )
      write(['node1', 'node2', 'node3'])
    }, 300_000)

    afterAll(() => {
      hosts?.down()
    })

    const state = () => JSON.parse(readFileSync(join(hosts.dir, '.3fs-cli', 'grow.state.json'), 'utf8'))
    const nodeId = (node: string) =>
      /^node_id = (\d+)$/m.exec(
        hosts.docker(node, ['exec', '3fs-storage', 'cat', '/opt/3fs/etc/storage_main_app.toml']).toString(),
      )?.[1]

    it(
      'the first deploy records each node id and chain-table version 1 beside cluster.yml',
      async () => {
        const result = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
        expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0)
        expect(state().layout.nodeIds.storage).toEqual({node1: 10_001, node2: 10_002, node3: 10_003})
        expect(state().layout.chainGenerations.map((entry: {version: number}) => entry.version)).toEqual([1])
        expect(hosts.containers('node4')).toEqual([])
      },
      DEPLOY_MS,
    )

    it("with node4 inserted between node1 and node2, deploy --plan lists only node4 and the admin node's new chains and one chain-table upload", async () => {
      write(['node1', 'node4', 'node2', 'node3'])
      const result = await runCli(['deploy', '-c', config, '--plan', '--json'])
      expect(result.exitCode, result.stderr).toBe(0)
      const actions = result.json.actions as Array<{
        node: string
        service: string
        description: string
        command?: string
      }>
      expect([...new Set(actions.map((action) => action.node))].sort()).toEqual(['node1', 'node4'])
      expect(
        actions
          .filter((action) => action.node === 'node1')
          .every((action) => action.service === 'mgmtd' || action.service === 'storage'),
      ).toBe(true)
      expect(actions.filter((action) => action.command?.includes('upload-chain-table'))).toHaveLength(1)
      expect(result.json.nodeIds).toContainEqual({node: 'node4', ids: {storage: 10_004}})
      expect(result.json.nodeIds).toContainEqual({node: 'node2', ids: {storage: 10_002}})
    })

    it(
      'deploy adds node4 (id 10004), the old nodes keep their ids, and mgmtd has chain-table version 2 with the 3 old chains plus 2 new',
      async () => {
        // The test hosts share one network namespace (each has its own address): node4's port check sees
        // node1-3's storage listening on the same ports, which on separate machines it would not.
        const result = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
        expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0)
        expect(hosts.containers('node4')).toEqual(['3fs-storage'])
        expect({
          node1: nodeId('node1'),
          node2: nodeId('node2'),
          node3: nodeId('node3'),
          node4: nodeId('node4'),
        }).toEqual({node1: '10001', node2: '10002', node3: '10003', node4: '10004'})
        expect(state().layout.nodeIds.storage).toEqual({node1: 10_001, node2: 10_002, node3: 10_003, node4: 10_004})
        expect(state().layout.chainGenerations.map((entry: {version: number}) => entry.version)).toEqual([1, 2])

        const status = await runCli(['status', '-c', config, '--json'])
        expect(status.json?.problems, status.stdout.slice(-3000)).toEqual([])
        expect(status.json.verdict).toBe('HEALTHY')
        const tables = (status.json.chainTables as Array<{tableId: number; version: number; chainCount: number}>).map(
          (row) => [row.tableId, row.version, row.chainCount],
        )
        expect(tables).toEqual([
          [1, 1, 3],
          [1, 2, 5],
        ])
        // Version 2 kept version 1's chains: those 3 chains have the targets they had.
        const chains = status.json.chains as Array<{chainId: number; targets?: unknown}>
        expect(chains).toHaveLength(5)
        expect(status.json.nodes.find((node: {name: string}) => node.name === 'node4').ids).toEqual({storage: 10_004})
      },
      DEPLOY_MS,
    )

    const startedAt = (node: string) =>
      hosts.docker(node, ['inspect', '--format', '{{.State.StartedAt}}', '3fs-storage']).toString().trim()
    const listChains = () =>
      hosts
        .docker('node1', [
          'exec',
          '3fs-mgmtd',
          '/opt/3fs/bin/admin_cli',
          '-cfg',
          '/opt/3fs/etc/admin_cli.toml',
          'list-chains',
        ])
        .toString()

    it('restart --plan orders storage nodes one at a time with their ids, then meta and mgmtd', async () => {
      const result = await runCli(['restart', '-c', config, '--plan', '--json'])
      expect(result.exitCode, result.stderr).toBe(0)
      expect(
        result.json.steps.map(
          (step: {service: string; node: string; nodeId?: number}) => `${step.service}:${step.node}:${step.nodeId}`,
        ),
      ).toEqual([
        'storage:node1:10001',
        'storage:node4:10004',
        'storage:node2:10002',
        'storage:node3:10003',
        'meta:node1:100',
        'mgmtd:node1:1',
      ])
    })

    it(
      'a rolling restart of two storage nodes restarts each container and leaves every chain SERVING',
      async () => {
        const before = {node2: startedAt('node2'), node3: startedAt('node3'), node4: startedAt('node4')}
        const result = await runCli(
          ['restart', '-c', config, '--service', 'storage', '--nodes', 'node2,node3', '--json'],
          {timeoutMs: DEPLOY_MS},
        )
        expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0)
        expect(result.json).toMatchObject({complete: true})
        expect(result.json.restarted.map((step: {node: string}) => step.node)).toEqual(['node2', 'node3'])
        expect(startedAt('node2')).not.toBe(before.node2)
        expect(startedAt('node3')).not.toBe(before.node3)
        expect(startedAt('node4')).toBe(before.node4)
        expect(listChains()).not.toMatch(/OFFLINE|SYNCING|LASTSRV/)
      },
      DEPLOY_MS,
    )

    it(
      'with node3 down, the roll stops before the first node whose chain would lose its last SERVING replica, and restarts nothing there',
      async () => {
        hosts.docker('node3', ['stop', '3fs-storage'])
        // mgmtd marks node3's targets OFFLINE once its heartbeats are older than heartbeat_fail_interval (60 s).
        const deadline = Date.now() + 150_000
        while (!/OFFLINE|LASTSRV/.test(listChains()) && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 2000))
        expect(listChains()).toMatch(/OFFLINE|LASTSRV/)
        const before = {node1: startedAt('node1'), node2: startedAt('node2'), node4: startedAt('node4')}
        const result = await runCli(['restart', '-c', config, '--service', 'storage', '--json'], {timeoutMs: DEPLOY_MS})
        expect(result.exitCode).toBe(1)
        const report = result.json.report
        expect(report.complete).toBe(false)
        expect(report.stoppedAt.reason).toMatch(
          /^chain \d+ has no SERVING replica outside node\d .*restarting node\d would take it down$/,
        )
        const stopped = report.stoppedAt.step.node as 'node1' | 'node2' | 'node4'
        expect(startedAt(stopped)).toBe(before[stopped])
        for (const step of report.restarted as Array<{node: string}>) expect(step.node).not.toBe(stopped)
        hosts.docker('node3', ['start', '3fs-storage'])
      },
      DEPLOY_MS,
    )

    it('removing a storage node is then refused with exit 2, naming services.storage, and nothing changes', async () => {
      write(['node1', 'node4', 'node3'])
      const before = readFileSync(join(hosts.dir, '.3fs-cli', 'grow.state.json'), 'utf8')
      const result = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(result.exitCode).toBe(2)
      expect(result.stdout + result.stderr).toMatch(/services\.storage no longer lists node2/)
      expect(hosts.containers('node2')).toEqual(['3fs-storage'])
      expect(readFileSync(join(hosts.dir, '.3fs-cli', 'grow.state.json'), 'utf8')).toBe(before)
    })
  },
)
