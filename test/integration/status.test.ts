/**
 * `3fs-cli status` through the built CLI against real sshd test hosts. The nodes, SSH, sudo, the
 * probes (findmnt, df, stat through /3fs, data directories) and the capture/--from round trip are
 * real; the container engine is a TEST DOUBLE (test/hosts/doubles/docker-engine-double.sh) that serves
 * container states and admin_cli tables from files, because no Docker engine or 3FS runs here.
 */
import {copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {writeScenario} from '../fixtures/status/scenarios.js'

const available = hostsAvailable()
const DOUBLE = '/opt/3fs/double/docker'

describe.skipIf(!available)('status on real SSH test hosts', () => {
  let hosts: TestHosts
  let config: string

  /** Puts the engine double and its state into a node's private /opt/3fs. */
  function installEngineDouble(node: string, containers: Record<string, string>, adminFrom?: string): void {
    const base = join(hosts.dir, 'nodes', node, 'opt3fs', 'double')
    mkdirSync(join(base, 'state', 'containers'), {recursive: true})
    copyFileSync(join(ROOT, 'test', 'hosts', 'doubles', 'docker-engine-double.sh'), join(base, 'docker'))
    for (const [name, line] of Object.entries(containers))
      writeFileSync(join(base, 'state', 'containers', name), `${line}\n`)
    if (adminFrom) {
      cpSync(join(adminFrom, 'admin_cli'), join(base, 'state', 'admin_cli'), {recursive: true})
      copyFileSync(join(adminFrom, 'fdb', 'status.json'), join(base, 'state', 'fdb-status.json'))
    }
    // Storage data directory as diskType dir expects it.
    mkdirSync(join(hosts.dir, 'nodes', node, 'opt3fs', 'storage', '3fsdata', 'data0'), {recursive: true})
  }

  beforeAll(() => {
    hosts = TestHosts.start(3)
    config = hosts.writeCluster()
    const fixtures = writeScenario(mkdtempSync(join(tmpdir(), 'status-fixture-')), 'healthy')
    const running = 'running|0|2026-11-28T01:00:00Z|0'
    installEngineDouble(
      'node1',
      Object.fromEntries(
        ['fdb', 'clickhouse', 'monitor', 'mgmtd', 'meta', 'storage', 'client'].map((service) => [
          `3fs-${service}`,
          running,
        ]),
      ),
      fixtures,
    )
    installEngineDouble('node2', {
      '3fs-storage': 'running|2|2026-11-28T01:30:00Z|0',
      '3fs-client': 'running|0|2026-11-28T01:00:00Z|0',
    })
    installEngineDouble('node3', {
      '3fs-storage': 'exited|0|2026-11-28T01:00:00Z|137',
      '3fs-client': 'running|0|2026-11-28T01:00:00Z|0',
    })
  })

  afterAll(() => {
    hosts?.down()
  })

  it('without a container engine on the nodes says DOWN, names each node, and reports /3fs as not 3FS (exit 4)', async () => {
    const result = await runCli(['status', '-c', config, '--json', '--runtime', 'no-such-engine'])
    expect(result.exitCode).toBe(4)
    expect(result.json.verdict).toBe('DOWN')
    expect(result.json.nodes.map((node: any) => [node.name, node.reachable, node.hostname])).toEqual([
      ['node1', true, 'node1'],
      ['node2', true, 'node2'],
      ['node3', true, 'node3'],
    ])
    for (const name of ['node1', 'node2', 'node3']) {
      const engine = result.json.problems.find((problem: any) => problem.subject === name)
      expect(engine.cause).toContain('no container runtime (no-such-engine)')
      // /3fs on a test host is a bind mount of an ordinary directory: present, but not fuse.hf3fs.
      const mount = result.json.problems.find((problem: any) => problem.subject === `${name}:/3fs`)
      expect(mount.cause).toMatch(/is an? \S+ mount from .* not 3FS \(fuse.hf3fs\)/)
    }
    // admin_cli runs inside the mgmtd container: one critical line says what cannot be seen and why.
    expect(result.json.problems.find((problem: any) => problem.subject === 'mgmtd')).toMatchObject({
      severity: 'critical',
      cause: expect.stringMatching(/admin_cli cannot run on node1/),
    })
    expect(result.json.problems.filter((problem: any) => problem.subject.startsWith('admin_cli'))).toEqual([])
  })

  it('with the engine double: reads containers, restarts and admin_cli tables over SSH, and names what is wrong (Docker engine double)', async () => {
    const result = await runCli(['status', '-c', config, '--json', '--runtime', DOUBLE])
    expect(result.exitCode).toBe(3)
    expect(result.json.verdict).toBe('DEGRADED')
    const subjects = result.json.problems.map((problem: any) => `${problem.severity} ${problem.subject}`)
    expect(subjects).toEqual(
      expect.arrayContaining([
        'error node3/storage',
        'warning node2/storage',
        'error node1:/3fs',
        'error node2:/3fs',
        'error node3:/3fs',
      ]),
    )
    expect(result.json.problems.find((problem: any) => problem.subject === 'node3/storage').cause).toBe(
      'container 3fs-storage is exited (exit code 137)',
    )
    expect(result.json.problems.find((problem: any) => problem.subject === 'node2/storage').cause).toMatch(
      /restarted 2 time/,
    )
    expect(result.json.summary).toMatchObject({
      nodes: 3,
      reachable: 3,
      chains: 3,
      servingChains: 3,
      targets: 6,
      clients: 3,
    })
    expect(result.json.targets.map((target: any) => target.node).sort()).toEqual([
      'node1',
      'node1',
      'node2',
      'node2',
      'node3',
      'node3',
    ])
    expect(result.json.nodes[1].disks[0]).toMatchObject({path: '/opt/3fs/storage/3fsdata/data0', exists: true})
    expect(result.json.fdb).toMatchObject({parsed: true, available: true, healthy: true})
  })

  it('reports a node that is down, and a client whose /3fs is not mounted, by name (Docker engine double)', async () => {
    hosts.stopNode('node3')
    try {
      await runCli(['exec', '-c', config, '--nodes', 'node2', '--', 'umount /3fs'])
      const result = await runCli(['status', '-c', config, '--json', '--runtime', DOUBLE])
      expect(result.exitCode).toBe(3)
      const node3 = result.json.problems.find((problem: any) => problem.subject === 'node3')
      expect(node3.cause).toMatch(/not reachable over SSH/)
      expect(node3.next).toContain('--nodes node3')
      expect(result.json.problems.find((problem: any) => problem.subject === 'node2:/3fs').cause).toMatch(
        /not mounted at \/3fs/,
      )
      expect(result.json.nodes.find((node: any) => node.name === 'node2').mount).toEqual({path: '/3fs', mounted: false})
    } finally {
      hosts.startNode('node3')
    }
  })

  it('saves every raw output with --capture, and --from judges the capture alike without any cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'status-capture-'))
    const live = await runCli(['status', '-c', config, '--json', '--runtime', DOUBLE, '--capture', dir])
    expect(readdirSync(join(dir, 'admin_cli')).sort()).toEqual([
      'list-chain-tables.txt',
      'list-chains.txt',
      'list-clients.txt',
      'list-nodes.txt',
      'list-targets.txt',
    ])
    expect(readdirSync(join(dir, 'nodes')).sort()).toEqual(['node1', 'node2', 'node3'])
    expect(readdirSync(join(dir, 'nodes', 'node1'))).toEqual(
      expect.arrayContaining([
        'containers.txt',
        'mount.txt',
        'mount-probe.txt',
        'disks.txt',
        'runtime.txt',
        'hostname.txt',
      ]),
    )
    expect(readFileSync(join(dir, 'admin_cli', 'list-chains.txt'), 'utf8')).toMatch(/^ChainId\s+ReferencedBy/)
    const replay = await runCli(['status', '--from', dir, '--json'])
    expect(replay.exitCode).toBe(live.exitCode)
    expect(replay.json.verdict).toBe(live.json.verdict)
    // Same problems; only the config path in next-step commands differs (the capture has no cluster.yml).
    const strip = (problems: any[]) =>
      problems.map((problem) => `${problem.severity} ${problem.subject} ${problem.cause}`)
    expect(strip(replay.json.problems)).toEqual(strip(live.json.problems))
    expect(replay.json.source).toMatchObject({kind: 'capture', dir})
  })

  it('says what is wrong with a --from directory that is not a capture', async () => {
    const result = await runCli(['status', '--from', join(tmpdir(), 'no-such-capture-dir'), '--json'])
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toMatch(/is not a status capture/)
    expect(result.json.error.next.join(' ')).toMatch(/--capture DIR/)
  })

  it('refreshes with --watch over the same connections until Ctrl-C, one JSON object per round (Docker engine double)', async () => {
    const child = execa(
      'node',
      [join(ROOT, 'bin', 'run.js'), 'status', '-c', config, '--json', '--runtime', DOUBLE, '--watch', '1'],
      {reject: false, env: {NO_COLOR: '1'}},
    )
    let rounds = 0
    child.stdout!.on('data', (chunk: Buffer) => {
      rounds += chunk
        .toString()
        .split('\n')
        .filter((line) => line.startsWith('{"')).length
    })
    const deadline = Date.now() + 20_000
    while (rounds < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    child.kill('SIGINT')
    const result = await child
    expect(rounds).toBeGreaterThanOrEqual(3)
    const lines = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"'))
      .map((line) => JSON.parse(line))
    expect(lines.every((line) => line.verdict === 'DEGRADED' && line.summary.nodes === 3)).toBe(true)
    expect(result.exitCode).toBe(130)
  })
})
