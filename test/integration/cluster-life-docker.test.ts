/**
 * A deployed cluster's life through the built CLI on 3 SSH test hosts that each run a REAL dockerd
 * (hosts.sh --docker) with the stand-in images (doubles of the 3FS services, and of Grafana: real ones
 * cannot run here): Grafana provisioned from files and checked by status; a rolling restart that fails
 * on one node and, run again, continues there; an upgrade (a second tag of the stand-in 3FS image) that
 * rolls storage, meta and mgmtd one node at a time, fails on one node and resumes without repeating the
 * node before it; destroy keeping the node ids. Failures are injected as deploy-docker.test.ts does: the
 * stand-in reads /opt/3fs/etc/standin-fail, a file in the node's <workDir>/<service>/config.d.
 */
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {dockerAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

const available = dockerAvailable()
// nofile/memlock: this sandbox's kernel refuses to raise rlimits (see deploy-docker.test.ts).
const IGNORE = ['--ignore-check', 'cpu,rdma,nic,nofile,memlock']
const DEPLOY_MS = 600_000
const OLD = 'open3fs/3fs:20250410'
const NEW = 'open3fs/3fs:20250501'

describe.skipIf(!available)('a cluster after its first deploy (stand-in services on real dockerd test hosts)', () => {
  let hosts: TestHosts
  let config: string
  let grafanaPort: number
  /** node3's 3FS mount point: inside the test dir, on node3's own (rshared) mount namespace. */
  let mountpoint: string
  let write: (tag?: string) => void
  const nodeDir = (node: string, ...path: string[]) => join(hosts.dir, 'nodes', node, 'opt3fs', ...path)
  const state = () => JSON.parse(readFileSync(join(hosts.dir, '.3fs-cli', 'life.state.json'), 'utf8'))
  const inspect = (node: string, container: string, format: string) =>
    hosts.docker(node, ['inspect', '--format', format, container]).toString().trim()
  const startedAt = (node: string, container: string) => inspect(node, container, '{{.State.StartedAt}}')
  const image = (node: string, container: string) => inspect(node, container, '{{.Config.Image}}')
  const failOn = (node: string, service: string, what: string) => {
    const file = nodeDir(node, service, 'config.d', 'standin-fail')
    mkdirSync(dirname(file), {recursive: true})
    writeFileSync(file, `${what}\n`)
    return () => rmSync(file)
  }
  const waitFor = async (what: string, check: () => boolean, ms = 120_000) => {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }

  beforeAll(async () => {
    hosts = TestHosts.start(3, {docker: true})
    const images = await hosts.loadImages()
    console.log(`stand-in images: ${images.cached ? 'cached' : 'built'}, loaded in ${Math.round(images.loadMs)} ms`)
    // The upgrade's "new" 3FS image: the same stand-in under a second tag (docker tag), on every node.
    for (const node of hosts.nodes) hosts.docker(node.name, ['tag', OLD, NEW])
    const base = 36_000 + Math.floor(Math.random() * 2500) * 10
    grafanaPort = base + 9
    config = join(hosts.dir, 'life-cluster.yml')
    mountpoint = join(hosts.dir, 'client-mnt', '3fs')
    write = (tag) =>
      writeFileSync(
        config,
        [
          'name: life',
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
          `  storage: {nodes: [node1, node2, node3], diskType: dir, replicationFactor: 2, targetNumPerDisk: 2, rdmaListenPort: ${base + 7}, tcpListenPort: ${base + 8}}`,
          `  client: {nodes: [node3], hostMountpoint: ${mountpoint}}`,
          `  grafana: {nodes: [node1], port: ${grafanaPort}}`,
          ...(tag ? ['images:', `  3fs: {repo: open3fs/3fs, tag: '${tag}'}`] : []),
          'ssh:',
          `  knownHostsFile: ${hosts.knownHosts}`,
          '  useAgent: false',
          '',
        ].join('\n'),
      )
    write()
  }, 300_000)

  afterAll(() => {
    hosts?.down()
  })

  const grafana = () => `http://${hosts.nodes[0]!.ip}:${grafanaPort}`

  it(
    'deploy starts the Grafana stand-in, which provisions the ClickHouse data source and the dashboards from the files deploy wrote',
    async () => {
      const result = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0)
      expect(hosts.containers('node1')).toContain('3fs-grafana')
      expect(image('node1', '3fs-grafana')).toBe('open3fs/grafana:12.0.0')
      const provisioned = (await (await fetch(`${grafana()}/standin/provisioned`)).json()) as {
        datasources: Array<{
          name: string
          type: string
          uid: string
          jsonData: Record<string, string>
          secureJsonFields: string[]
        }>
        dashboards: Array<{title: string; uid: string; queries: Array<{datasourceUid: string; rawSql: string}>}>
      }
      expect(provisioned.datasources).toEqual([
        {
          name: 'ClickHouse',
          type: 'grafana-clickhouse-datasource',
          uid: '3fs_clickhouse',
          jsonData: expect.objectContaining({host: hosts.nodes[0]!.ip, port: String(grafanaPort - 8)}),
          secureJsonFields: ['password'],
        },
      ])
      expect(provisioned.dashboards.map((dashboard) => dashboard.uid)).toEqual(['3fs-cli-overview'])
      const queries = provisioned.dashboards[0]!.queries
      expect(queries.length).toBeGreaterThanOrEqual(8)
      expect(queries.every((query) => query.datasourceUid === '3fs_clickhouse')).toBe(true)
    },
    DEPLOY_MS,
  )

  it('status names the Grafana URL with its /api/health answer; a Grafana that refuses its provisioning is a warning', async () => {
    const result = await runCli(['status', '-c', config, '--json'])
    expect(result.json?.problems, result.stdout.slice(-3000)).toEqual([])
    expect(result.json.grafana).toEqual({url: grafana(), health: {ok: true, detail: 'HTTP 200, database ok'}})
    expect(result.json.verdict).toBe('HEALTHY')

    // A dashboard without a title is refused by Grafana's provisioning, and Grafana does not start.
    const file = nodeDir('node1', 'grafana', 'dashboards', '3fs-overview.json')
    const good = readFileSync(file, 'utf8')
    writeFileSync(file, good.replace(/"title": "3FS overview \(3fs-cli\)"/, '"title": ""'))
    hosts.docker('node1', ['restart', '3fs-grafana'])
    // Grafana logs to stderr, which `docker logs` gives back on stderr.
    await waitFor('grafana to refuse its provisioning', () => {
      const socket = `unix://${join(hosts.dir, 'nodes', 'node1', 'docker.sock')}`
      const logs = spawnSync('docker', ['-H', socket, 'logs', '--tail', '20', '3fs-grafana'], {encoding: 'utf8'})
      return `${logs.stdout}${logs.stderr}`.includes('dashboard title cannot be empty')
    })
    const down = await runCli(['status', '-c', config, '--json'])
    expect(down.json.grafana.health.ok).toBe(false)
    expect(down.json.problems).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        subject: `grafana (${grafana()})`,
        cause: expect.stringMatching(/did not answer/),
      }),
    )
    expect(down.json.verdict).toBe('DEGRADED')
    writeFileSync(file, good)
    hosts.docker('node1', ['restart', '3fs-grafana'])
    await waitFor('grafana back', () => {
      try {
        return inspect('node1', '3fs-grafana', '{{.State.Status}}') === 'running'
      } catch {
        return false
      }
    })
  })

  it(
    'a rolling restart that fails on node2 is recorded; the same restart run again skips node1 and continues at node2',
    async () => {
      const node1Before = startedAt('node1', '3fs-storage')
      const heal = failOn('node2', 'storage', 'storage_main:start')
      const failed = await runCli(['restart', '-c', config, '--service', 'storage', '--json'], {
        timeoutMs: DEPLOY_MS,
      })
      expect(failed.exitCode, failed.stdout.slice(-3000) + failed.stderr).toBe(1)
      expect(failed.json.error.message).toMatch(
        /^3fs-storage does not stay up after its restart: (restarting|exited|running restarts=[1-9]).* \(on node2\)/,
      )
      expect(failed.json.error.next.join(' ')).toMatch(
        /run the same restart again: it skips the nodes finished before this one/,
      )
      const node1Restarted = startedAt('node1', '3fs-storage')
      expect(node1Restarted).not.toBe(node1Before)
      expect(state().restart).toMatchObject({
        steps: ['storage:node1', 'storage:node2', 'storage:node3'],
        done: ['storage:node1'],
      })

      const plan = await runCli(['restart', '-c', config, '--service', 'storage', '--plan', '--json'])
      expect(plan.json.done).toEqual(['storage:node1'])
      // Another selection is refused while this one is unfinished, naming what to do.
      const other = await runCli(['restart', '-c', config, '--service', 'meta', '--plan', '--json'])
      expect(other.exitCode).toBe(2)
      expect(other.json.error.next.join(' ')).toMatch(/--fresh/)

      heal()
      await waitFor(
        'node2 storage running again',
        () => inspect('node2', '3fs-storage', '{{.State.Status}}') === 'running',
      )
      const resumed = await runCli(['restart', '-c', config, '--service', 'storage', '--json'], {timeoutMs: DEPLOY_MS})
      expect(resumed.exitCode, resumed.stdout.slice(-3000) + resumed.stderr).toBe(0)
      expect(resumed.json.skipped.map((step: {node: string}) => step.node)).toEqual(['node1'])
      expect(resumed.json.restarted.map((step: {node: string}) => step.node)).toEqual(['node2', 'node3'])
      expect(startedAt('node1', '3fs-storage')).toBe(node1Restarted)
      expect(state().restart).toBeUndefined()
    },
    2 * DEPLOY_MS,
  )

  it('an image tag change is planned as an upgrade: storage one node at a time, then meta, mgmtd and the client', async () => {
    write('20250501')
    const plan = await runCli(['deploy', '-c', config, '--plan', '--json'])
    expect(plan.exitCode, plan.stderr).toBe(0)
    const starts = (plan.json.actions as Array<{kind: string; node: string; service: string; stage: string}>)
      .filter((action) => action.kind === 'start-container' && ['storage', 'meta', 'mgmtd'].includes(action.service))
      .map((action) => `${action.service}@${action.node}`)
    expect(starts).toEqual(['storage@node1', 'storage@node2', 'storage@node3', 'meta@node1', 'mgmtd@node1'])
    expect(
      (plan.json.actions as Array<{kind: string; node: string; service: string}>)
        .filter((action) => action.service === 'client')
        .map((action) => `${action.kind}@${action.node}`),
    ).toEqual(['run@node3', 'start-container@node3', 'wait@node3', 'smoke-test@node3'])
    // The old client goes before its mount: unmounted under a running container, the daemon exited, the restart
    // policy mounted again, and the start's rm -f left a dead mount that docker run could not stat.
    const unmount = (plan.json.actions as Array<{kind: string; service: string; command?: string}>).find(
      (action) => action.service === 'client' && action.kind === 'run',
    )!
    expect(unmount.command).toMatch(/rm -f '?3fs-client'?[^;]*; if .*fuse\.hf3fs.*umount/)
    expect(plan.json.stages.map((stage: {name: string}) => stage.name)).toEqual([
      'Pull images',
      'Monitor collector',
      'storage',
      'meta',
      'mgmtd',
      'fuse client',
    ])
  })

  it(
    'the upgrade stops at node2 whose new container does not stay up; run again it continues at node2 and never restarts node1 again',
    async () => {
      const heal = failOn('node2', 'storage', 'storage_main:start')
      const failed = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(failed.exitCode, failed.stdout.slice(-3000) + failed.stderr).toBe(1)
      expect(failed.json.error.message).toMatch(
        /deploy stopped at "storage" on node2: start 3fs-storage, then check it still runs/,
      )
      expect(failed.json.error.message).toMatch(/3fs-storage is (restarting|running restarts=[1-9]|exited)/)
      expect(image('node1', '3fs-storage')).toBe(NEW)
      expect(image('node3', '3fs-storage')).toBe(OLD)
      expect(image('node1', '3fs-meta')).toBe(OLD)
      expect(image('node1', '3fs-mgmtd')).toBe(OLD)
      const node1Upgraded = startedAt('node1', '3fs-storage')

      heal()
      const resumed = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(resumed.exitCode, resumed.stdout.slice(-3000) + resumed.stderr).toBe(0)
      expect(startedAt('node1', '3fs-storage')).toBe(node1Upgraded)
      for (const node of ['node1', 'node2', 'node3']) expect(image(node, '3fs-storage')).toBe(NEW)
      expect(image('node1', '3fs-meta')).toBe(NEW)
      expect(image('node1', '3fs-mgmtd')).toBe(NEW)
      expect(image('node3', '3fs-client')).toBe(NEW)
      const mounted = await runCli([
        'exec',
        '-c',
        config,
        '--nodes',
        'node3',
        '--json',
        '--',
        `findmnt -n -o FSTYPE --mountpoint ${mountpoint}`,
      ])
      expect(String(mounted.json?.nodes?.[0]?.stdout).trim()).toBe('fuse.hf3fs')
      // The safe order, as the engine saw it: the last storage node, then meta, then mgmtd, then the client.
      const at = (node: string, container: string) => Date.parse(startedAt(node, container))
      expect(at('node3', '3fs-storage')).toBeLessThan(at('node1', '3fs-meta'))
      expect(at('node1', '3fs-meta')).toBeLessThan(at('node1', '3fs-mgmtd'))
      expect(at('node1', '3fs-mgmtd')).toBeLessThan(at('node3', '3fs-client'))

      // Targets restarted by the roll may still resync when the deploy returns (the final every-chain-SERVING
      // wait was recorded by the first deploy and is not run again): status turns HEALTHY once they serve.
      let status = await runCli(['status', '-c', config, '--json'])
      for (let tries = 0; tries < 30 && status.json?.verdict !== 'HEALTHY'; tries++) {
        await new Promise((done) => setTimeout(done, 2000))
        status = await runCli(['status', '-c', config, '--json'])
      }
      expect(status.json?.problems, status.stdout.slice(-3000)).toEqual([])
      expect(status.json.verdict).toBe('HEALTHY')
      const again = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(again.exitCode, again.stderr).toBe(0)
      expect(again.json.changes).toBe(0)
    },
    3 * DEPLOY_MS,
  )

  it('destroy keeps the node ids beside cluster.yml and says so', async () => {
    const ids = state().layout.nodeIds
    const result = await runCli(['destroy', '-c', config, '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.record.nodeIds).toBe('kept')
    for (const node of ['node1', 'node2', 'node3']) expect(hosts.containers(node)).toEqual([])
    expect(state().layout.nodeIds).toEqual(ids)
    expect(state().applied).toEqual({})
  })
})
