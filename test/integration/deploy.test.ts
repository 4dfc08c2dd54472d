/**
 * check / deploy / destroy through the built CLI against real sshd test hosts, for what the real-engine
 * tests (deploy-docker.test.ts: a real dockerd per node with stand-in 3FS images) do not cover:
 * preflight findings, a deploy refused before anything changes, the plan, a `docker run` that the ENGINE
 * itself refuses (exit 125) and the resume after it with init-cluster and user-add counted per call, and
 * destroy's refusal to delete data. The engine here is a TEST DOUBLE (test/hosts/doubles/docker-engine-double.sh):
 * it records every call (which a real dockerd does not expose) and can refuse one `run`; it answers every
 * admin_cli line with success and derives SERVING chains from the CSVs deploy wrote, so these tests do NOT
 * verify the waits. A failure inside a 3FS step and its resume run on the real engine in deploy-docker.test.ts.
 */
import {copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {createServer} from 'node:net'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {ROOT, runCli} from '../helpers/cli.js'

const available = hostsAvailable()
const DOUBLE = '/opt/3fs/double/docker'
const TOKEN = 'AAB3double0token0x7f0000000000'
// cpu/rdma/nic: no AVX-512 or RDMA here. nofile/memlock: this sandbox's kernel refuses to raise rlimits (no
// CAP_SYS_RESOURCE in its bounding set), so preflight rightly fails them; the test OCI runtime strips them.
const IGNORE = ['--ignore-check', 'cpu,rdma,nic,nofile,memlock']

describe.skipIf(!available)('deploy on real SSH test hosts (Docker engine double)', () => {
  let hosts: TestHosts
  let config: string
  const nodeDir = (node: string, ...path: string[]) => join(hosts.dir, 'nodes', node, 'opt3fs', ...path)
  const calls = (node: string) =>
    existsSync(nodeDir(node, 'double', 'state', 'calls.log'))
      ? readFileSync(nodeDir(node, 'double', 'state', 'calls.log'), 'utf8')
          .trim()
          .split('\n')
      : []
  const containers = (node: string) =>
    existsSync(nodeDir(node, 'double', 'state', 'containers'))
      ? readdirSync(nodeDir(node, 'double', 'state', 'containers')).sort()
      : []

  beforeAll(() => {
    hosts = TestHosts.start(3)
    const nodes = hosts.nodes
    config = join(hosts.dir, 'deploy-cluster.yml')
    writeFileSync(
      config,
      [
        'name: dtest',
        'nodes:',
        ...nodes.map(
          (node) =>
            `  - {name: ${node.name}, host: ${node.ip}, port: ${node.port}, username: root, identityFile: ${hosts.key()}}`,
        ),
        'services:',
        '  fdb: {nodes: [node1]}',
        '  clickhouse: {nodes: [node1], password: ch-pass-5150}',
        '  monitor: {nodes: [node1]}',
        '  mgmtd: {nodes: [node1], stripeSize: 2}',
        '  meta: {nodes: [node1]}',
        '  storage: {nodes: [node1, node2, node3], diskType: dir, replicationFactor: 2, targetNumPerDisk: 2}',
        'ssh:',
        `  knownHostsFile: ${hosts.knownHosts}`,
        '  useAgent: false',
        '',
      ].join('\n'),
    )
  })

  afterAll(() => {
    hosts?.down()
  })

  function installDouble(): void {
    for (const node of hosts.nodes) {
      mkdirSync(nodeDir(node.name, 'double', 'state', 'admin_cli'), {recursive: true})
      copyFileSync(
        join(ROOT, 'test', 'hosts', 'doubles', 'docker-engine-double.sh'),
        nodeDir(node.name, 'double', 'docker'),
      )
    }
    const heartbeat = '2026-11-28 02:00:00'
    writeFileSync(
      nodeDir('node1', 'double', 'state', 'admin_cli', 'list-nodes.txt'),
      [
        'Id     Type     Status               Hostname  Pid  Tags  LastHeartbeatTime    ConfigVersion  ReleaseVersion',
        '1      MGMTD    PRIMARY_MGMTD        node1     10   []    N/A                  1(UPTODATE)    250228-dev',
        `100    META     HEARTBEAT_CONNECTED  node1     11   []    ${heartbeat}  1(UPTODATE)    250228-dev`,
        ...['node1', 'node2', 'node3'].map(
          (name, index) =>
            `${10001 + index}  STORAGE  HEARTBEAT_CONNECTED  ${name}     ${12 + index}   []    ${heartbeat}  1(UPTODATE)    250228-dev`,
        ),
        '',
      ].join('\n'),
    )
  }

  it('check reports a missing container engine on every node, with the fix, and exits 1', async () => {
    const result = await runCli(['check', '-c', config, '--json', '--runtime', 'no-such-engine'])
    expect(result.exitCode).toBe(1)
    expect(result.json.ok).toBe(false)
    for (const node of result.json.nodes) {
      const runtime = node.checks.find((check: any) => check.check === 'runtime')
      expect(runtime).toMatchObject({status: 'fail', detail: 'no-such-engine not found'})
      expect(runtime.fix).toMatch(/Install a container engine/)
      expect(node.checks.find((check: any) => check.check === 'ssh').status).toBe('ok')
      expect(node.checks.find((check: any) => check.check === 'sudo').status).toBe('ok')
    }
    // Storage nodes in dir mode get their free space checked; all have the aio-max-nr check.
    expect(result.json.nodes[1].checks.map((check: any) => check.check)).toEqual(
      expect.arrayContaining(['disks', 'aio-max-nr', 'ports', 'kernel', 'memlock']),
    )
  })

  it('check finds a port taken by something else and a client mount point that already holds a filesystem', async () => {
    const withClient = join(hosts.dir, 'deploy-cluster-client.yml')
    writeFileSync(
      withClient,
      readFileSync(config, 'utf8').replace('ssh:', '  client: {nodes: [node2], hostMountpoint: /3fs}\nssh:'),
    )
    // The test hosts share this machine's network: a listener here is a listener on every node.
    const server = createServer().listen(8999, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const result = await runCli(['check', '-c', withClient, '--json', '--runtime', 'no-such-engine'])
      expect(result.exitCode).toBe(1)
      const node1 = result.json.nodes.find((node: any) => node.node === 'node1')
      expect(node1.checks.find((check: any) => check.check === 'ports')).toMatchObject({
        status: 'fail',
        detail: 'in use by something else: 8999 (clickhouse) on 127.0.0.1',
      })
      const node2 = result.json.nodes.find((node: any) => node.node === 'node2')
      // /3fs on a test host is a bind mount of a shared directory: mounting 3FS there would hide it.
      expect(node2.checks.find((check: any) => check.check === 'mountpoint')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/^\/3fs is a \S+ mount$/),
      })
    } finally {
      server.close()
    }
  })

  it('deploy without a container engine fails at preflight, names the nodes, and changes nothing', async () => {
    const result = await runCli(['deploy', '-c', config, '--runtime', 'no-such-engine'])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/preflight failed on 3 node\(s\); nothing was changed/)
    for (const name of ['node1', 'node2', 'node3']) {
      expect(result.stderr).toContain(`${name}: runtime: no-such-engine not found`)
      expect(existsSync(nodeDir(name, '.3fs-cli'))).toBe(false)
      expect(existsSync(nodeDir(name, 'mgmtd'))).toBe(false)
    }
  })

  it('--plan --json lists every action in order without connecting to a node', async () => {
    const result = await runCli(['deploy', '-c', config, '--plan', '--json', '--runtime', DOUBLE])
    expect(result.exitCode).toBe(0)
    const actions = result.json.actions
    expect(actions[0]).toMatchObject({node: 'node1', service: 'host', kind: 'mkdir'})
    const write = actions.find((entry: any) => entry.path === '/opt/3fs/mgmtd/config.d/mgmtd_main_app.toml')
    expect(write).toMatchObject({kind: 'write-file', content: expect.stringContaining('\nnode_id = 1\n')})
    const index = (predicate: (entry: any) => boolean) => actions.findIndex(predicate)
    expect(index((entry: any) => entry.description.startsWith('init-cluster'))).toBeLessThan(
      index((entry: any) => entry.description === 'start 3fs-mgmtd'),
    )
    expect(JSON.stringify(result.json)).not.toContain('ch-pass-5150')
  })

  it('deploys for real over SSH with the engine double, records every step, and keeps the token out of every log', async () => {
    installDouble()
    const result = await runCli(['deploy', '-c', config, '--json', '--verbose', '--runtime', DOUBLE, ...IGNORE])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json).toMatchObject({complete: true, skipped: 0})
    expect(result.json.changes).toBe(result.json.total)
    // 3FS's order on the admin node: fdb, ClickHouse, init-cluster before mgmtd starts, set-config before meta, then chains.
    const log = calls('node1')
    const at = (pattern: RegExp) => log.findIndex((line) => pattern.test(line))
    const order = [
      /--name 3fs-fdb/,
      /exec 3fs-fdb .*configure new single ssd/,
      /--name 3fs-clickhouse/,
      /--multiquery/,
      /--name 3fs-monitor/,
      /run --rm .*init-cluster/,
      /--name 3fs-mgmtd/,
      /set-config --type META/,
      /--name 3fs-meta/,
      /set-config --type STORAGE/,
      /--name 3fs-storage/,
      /user-add --root/,
      /exec -i 3fs-mgmtd/,
      /upload-chains/,
      /upload-chain-table/,
    ].map(at)
    expect(order.every((position) => position >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(containers('node1')).toEqual([
      '3fs-clickhouse',
      '3fs-fdb',
      '3fs-meta',
      '3fs-mgmtd',
      '3fs-monitor',
      '3fs-storage',
    ])
    expect(containers('node2')).toEqual(['3fs-storage'])
    // dir-mode data directories and configs on every storage node; secrets in 0600 files only.
    for (const name of ['node1', 'node2', 'node3']) {
      expect(statSync(nodeDir(name, 'storage', '3fsdata', 'data0')).isDirectory()).toBe(true)
      expect(readFileSync(nodeDir(name, 'storage', 'config.d', 'storage_main_app.toml'), 'utf8')).toContain(
        `\nnode_id = ${10000 + Number(name.slice(-1))}\n`,
      )
      expect(readdirSync(nodeDir(name, '.3fs-cli', 'applied')).length).toBeGreaterThan(3)
    }
    expect(statSync(nodeDir('node1', 'mgmtd', 'config.d', 'token.txt')).mode & 0o777).toBe(0o600)
    expect(readFileSync(nodeDir('node1', 'mgmtd', 'config.d', 'admin_cli_root.toml'), 'utf8')).toContain(
      `token = '${TOKEN}'`,
    )
    expect(statSync(nodeDir('node1', 'clickhouse', 'etc', 'clickhouse.env')).mode & 0o777).toBe(0o600)
    expect(
      readFileSync(nodeDir('node1', 'mgmtd', 'config.d', 'chains.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(4)
    expect(result.stdout + result.stderr).not.toContain(TOKEN)
    expect(result.stdout + result.stderr).not.toContain('ch-pass-5150')
    expect(log.join('\n')).not.toContain('ch-pass-5150')
    expect(existsSync(join(hosts.dir, '.3fs-cli', 'dtest.state.json'))).toBe(true)
  }, 300_000)

  it('a deploy that fails halfway names the node and step, and the next run resumes there (init-cluster runs once)', async () => {
    const idsBefore = JSON.parse(readFileSync(join(hosts.dir, '.3fs-cli', 'dtest.state.json'), 'utf8')).layout.nodeIds
    expect(Object.keys(idsBefore.storage).length).toBeGreaterThan(0)
    const destroyed = await runCli(['destroy', '-c', config, '--json', '--runtime', DOUBLE])
    expect(destroyed.exitCode, destroyed.stderr).toBe(0)
    expect(containers('node1')).toEqual([])
    expect(existsSync(nodeDir('node1', '.3fs-cli', 'applied'))).toBe(false)
    // The record of applied actions is gone with the nodes' markers; the node ids stay for the re-deploy.
    const kept = JSON.parse(readFileSync(join(hosts.dir, '.3fs-cli', 'dtest.state.json'), 'utf8'))
    expect(destroyed.json.record.nodeIds).toBe('kept')
    expect(kept.applied).toEqual({})
    expect(kept.layout.nodeIds.storage).toEqual(idsBefore.storage)
    expect(kept.layout.nodeIds.mgmtd).toEqual(idsBefore.mgmtd)
    // Data stays without --purge-data.
    expect(existsSync(nodeDir('node2', 'storage', '3fsdata', 'data0'))).toBe(true)

    writeFileSync(nodeDir('node2', 'double', 'state', 'fail-run-3fs-storage'), '')
    const mark = calls('node1').length
    const failed = await runCli(['deploy', '-c', config, '--json', '--runtime', DOUBLE, ...IGNORE])
    expect(failed.exitCode).toBe(1)
    expect(failed.json.error.message).toMatch(
      /deploy stopped at "storage" on node2: start 3fs-storage: exited with 125/,
    )
    expect(failed.json.error.message).toMatch(/driver failed programming external connectivity/)
    expect(failed.json.error.next[0]).toMatch(/resumes from this step/)
    expect(failed.json.report?.complete, JSON.stringify(failed.json).slice(0, 4000)).toBe(false)

    const resumed = await runCli(['deploy', '-c', config, '--json', '--runtime', DOUBLE, ...IGNORE])
    expect(resumed.exitCode, resumed.stderr).toBe(0)
    expect(resumed.json.changes).toBeLessThan(resumed.json.total / 2)
    expect(resumed.json.skipped).toBeGreaterThan(0)
    const since = calls('node1').slice(mark)
    expect(since.filter((line) => /init-cluster/.test(line))).toHaveLength(1)
    // At most once over the failed run and its resume: the root user outlives a destroy (data kept) and
    // its kept token is reused then, so there is no user-add at all when the first deploy got that far.
    expect(since.filter((line) => /user-add/.test(line)).length).toBeLessThanOrEqual(1)
    expect(containers('node2')).toEqual(['3fs-storage'])
  }, 300_000) // destroy, a failed deploy and its resume: three deploys' worth of SSH round trips

  it('destroy refuses to delete data without confirmation, removes everything else in reverse order, and --forget-ids forgets the node ids', async () => {
    const refused = await runCli(['destroy', '-c', config, '--json', '--runtime', DOUBLE, '--purge-data'])
    expect(refused.exitCode).toBe(2)
    expect(refused.json.error.message).toMatch(/refusing to delete the data under \/opt\/3fs/)
    expect(containers('node1').length).toBeGreaterThan(0)
    const mark = calls('node1').length
    const result = await runCli(['destroy', '-c', config, '--json', '--runtime', DOUBLE, '--forget-ids'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.record.nodeIds).toBe('forgotten')
    expect(existsSync(join(hosts.dir, '.3fs-cli', 'dtest.state.json'))).toBe(false)
    const removals = calls('node1')
      .slice(mark)
      .filter((line) => line.startsWith('rm -f'))
    expect(removals.map((line) => line.split(' ').pop())).toEqual([
      '3fs-storage',
      '3fs-meta',
      '3fs-mgmtd',
      '3fs-monitor',
      '3fs-clickhouse',
      '3fs-fdb',
    ])
    for (const name of ['node1', 'node2', 'node3']) expect(containers(name)).toEqual([])
    expect(existsSync(nodeDir('node1', 'fdb', 'data'))).toBe(true)
  })

  it('a node lost mid-deploy (its sshd and sessions killed while it starts storage) fails naming it, and the next run resumes and completes', async () => {
    installDouble()
    // The double on node2 hangs in `run --name 3fs-storage` until the node goes away.
    const hang = nodeDir('node2', 'double', 'state', 'hang-run-3fs-storage')
    writeFileSync(hang, '')
    // Only this deploy's calls: earlier deploys in this file started 3fs-storage too.
    const mark = calls('node2').length
    const deploying = runCli(['deploy', '-c', config, '--json', '--runtime', DOUBLE, ...IGNORE], {timeoutMs: 240_000})
    let done = false
    void deploying.then(() => (done = true))
    const hanging = () =>
      calls('node2')
        .slice(mark)
        .some((line) => /^run .*--name 3fs-storage/.test(line))
    for (let i = 0; i < 1200 && !done && !hanging(); i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(hanging()).toBe(true)
    hosts.stopNode('node2')
    let failed
    try {
      failed = await deploying
    } finally {
      rmSync(hang, {force: true})
      hosts.startNode('node2')
    }
    expect([1, 5], failed.stdout.slice(-3000) + failed.stderr).toContain(failed.exitCode)
    expect(failed.json.error.message).toMatch(/node2/)
    expect(failed.json.report?.complete, JSON.stringify(failed.json).slice(0, 4000)).toBe(false)
    // node2's storage start was not recorded as applied: the node went away before it finished.
    expect(containers('node2')).toEqual([])
    const resumed = await runCli(['deploy', '-c', config, '--json', '--runtime', DOUBLE, ...IGNORE], {
      timeoutMs: 240_000,
    })
    expect(resumed.exitCode, resumed.stdout.slice(-3000) + resumed.stderr).toBe(0)
    expect(resumed.json).toMatchObject({complete: true})
    expect(resumed.json.skipped).toBeGreaterThan(0)
    expect(containers('node2')).toEqual(['3fs-storage'])
  }, 600_000)

  it('destroy --purge-data --yes removes the containers and every service data directory, and nothing outside them', async () => {
    // Something of the user's beside the service directories under workDir stays.
    writeFileSync(nodeDir('node1', 'user-notes.txt'), 'mine')
    expect(existsSync(nodeDir('node1', 'fdb'))).toBe(true)
    const result = await runCli(['destroy', '-c', config, '--json', '--runtime', DOUBLE, '--purge-data', '--yes'])
    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0)
    for (const name of ['node1', 'node2', 'node3']) {
      expect(containers(name)).toEqual([])
      expect(existsSync(nodeDir(name, 'storage'))).toBe(false)
      expect(existsSync(nodeDir(name, '.3fs-cli', 'applied'))).toBe(false)
    }
    for (const service of ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta'])
      expect(existsSync(nodeDir('node1', service)), service).toBe(false)
    expect(readFileSync(nodeDir('node1', 'user-notes.txt'), 'utf8')).toBe('mine')
    // diskType dir has no NVMe disks: --wipe-disks is refused there (safety-input.test.ts); the wipe script itself
    // runs against disk tool doubles in nvme-disks.test.ts.
  })

  it('a wait that is never satisfied (admin_cli answers RPC::Timeout: no primary mgmtd) fails after its timeout with the last answer, exit 1', async () => {
    installDouble()
    // What admin_cli prints when mgmtd does not answer (RPC::Timeout is 2005: 3FS ee9a5ce src/common/utils/StatusCodeDetails.h:92).
    writeFileSync(
      nodeDir('node1', 'double', 'state', 'admin_cli', 'list-nodes.txt'),
      'Encounter error: 2005(RPC::Timeout)\n',
    )
    const mark = calls('node1').length
    const result = await runCli(['deploy', '-c', config, '--json', '--runtime', DOUBLE, ...IGNORE], {
      timeoutMs: 400_000,
    })
    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(1)
    expect(result.json.error.message).toMatch(/node1: .*wait for a primary mgmtd: not reached within 120 s/s)
    expect(result.json.report.complete).toBe(false)
    const failure = result.json.report.failures[0]
    expect(failure).toMatchObject({
      node: 'node1',
      kind: 'action',
      output: expect.stringContaining('2005(RPC::Timeout)'),
    })
    // It polled until the deadline, then stopped: nothing after the wait ran (meta was never started).
    const since = calls('node1').slice(mark)
    expect(since.filter((line) => /--name 3fs-meta/.test(line))).toEqual([])
    const polls = since.filter((line) => /list-nodes/.test(line)).length
    expect(polls).toBeGreaterThan(10)
  }, 420_000)
})
