/**
 * deploy -> status -> re-deploy -> destroy, and artifact export / deploy --artifact, through the built
 * CLI on 3 SSH test hosts that each run a REAL dockerd (hosts.sh --docker) with stand-in images tagged
 * with the real names (test/hosts/docker/images.ts). The docker commands are exactly those a real node
 * gets; only what this sandbox's kernel refuses (capabilities outside its bounding set, rlimits above
 * its hard limits) is removed from each container spec by the test OCI runtime, which logs it.
 * Ports are random per run: the test hosts share this machine's network with other runs.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {dockerAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

const available = dockerAvailable()
// cpu/rdma/nic: no AVX-512 or RDMA here. nofile/memlock: this sandbox's kernel refuses to raise rlimits (no
// CAP_SYS_RESOURCE in its bounding set), so preflight rightly fails them; the test OCI runtime strips them.
const IGNORE = ['--ignore-check', 'cpu,rdma,nic,nofile,memlock']
const DEPLOY_MS = 600_000

describe.skipIf(!available)('deploy, status, destroy and artifact on real dockerd test hosts', () => {
  let hosts: TestHosts
  let config: string
  let resumed: Awaited<ReturnType<typeof runCli>>
  /** node3's 3FS mount point: inside the test dir, on node3's own (rshared) mount namespace. */
  let mountpoint: string
  /** A command on one node through the CLI's own exec (real SSH), as the operator would check. */
  const onNode = async (node: string, script: string) => {
    // exec joins its arguments into one shell command line, as ssh does: the script is one argument.
    const result = await runCli(['exec', '-c', config, '--nodes', node, '--json', '--', script])
    return {exitCode: result.exitCode, stdout: String(result.json?.nodes?.[0]?.stdout ?? '').trim()}
  }
  const mountType = (node: string) => onNode(node, `findmnt -n -o FSTYPE --mountpoint ${mountpoint} || true`)
  const nodeDir = (node: string, ...path: string[]) => join(hosts.dir, 'nodes', node, 'opt3fs', ...path)

  beforeAll(async () => {
    hosts = TestHosts.start(3, {docker: true})
    const images = await hosts.loadImages()
    console.log(
      `stand-in images (${images.builder}): ${images.cached ? 'cached' : `built in ${Math.round(images.buildMs)} ms`}, loaded in ${Math.round(images.loadMs)} ms`,
    )
    const base = 30_000 + Math.floor(Math.random() * 3000) * 10
    config = join(hosts.dir, 'deploy-cluster.yml')
    mountpoint = join(hosts.dir, 'client-mnt', '3fs')
    writeFileSync(
      config,
      [
        'name: dtest',
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
        'ssh:',
        `  knownHostsFile: ${hosts.knownHosts}`,
        '  useAgent: false',
        '',
      ].join('\n'),
    )
  }, 300_000)

  afterAll(() => {
    hosts?.down()
  })

  it(
    'a deploy whose upload-chains fails names the node and command; the next run resumes there and completes',
    async () => {
      // The stand-in admin_cli in 3fs-mgmtd reads failures to inject from its config directory (test/hosts/standin/README.md).
      const failFile = nodeDir('node1', 'mgmtd', 'config.d', 'standin-fail')
      mkdirSync(dirname(failFile), {recursive: true})
      writeFileSync(failFile, 'admin_cli:upload-chains\n')
      const failed = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(failed.exitCode, failed.stdout.slice(-3000) + failed.stderr).toBe(1)
      expect(failed.json.error.message).toMatch(/on node1: .*upload-chains/s)
      expect(failed.json.error.message).toMatch(/FaultInjection/)
      expect(failed.json.error.next[0]).toMatch(/resumes from this step/)
      expect(failed.json.report.complete).toBe(false)
      expect(hosts.containers('node1')).toContain('3fs-mgmtd')

      rmSync(failFile)
      resumed = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(resumed.exitCode, resumed.stdout.slice(-3000) + resumed.stderr).toBe(0)
      expect(resumed.json).toMatchObject({complete: true})
      // What the failed run finished is not done again: the resumed run skips it (containers, configs, init-cluster).
      expect(resumed.json.skipped).toBeGreaterThan(resumed.json.total / 2)
      expect(resumed.json.changes).toBeGreaterThan(0)
    },
    2 * DEPLOY_MS,
  )

  it(
    'the resumed deploy runs real containers on every node; the test runtime logs what the sandbox refused',
    async () => {
      const result = resumed
      expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0)
      expect(result.json).toMatchObject({complete: true})
      expect(hosts.containers('node1')).toEqual([
        '3fs-clickhouse',
        '3fs-fdb',
        '3fs-meta',
        '3fs-mgmtd',
        '3fs-monitor',
        '3fs-storage',
      ])
      expect(hosts.containers('node2')).toEqual(['3fs-storage'])
      expect(hosts.containers('node3')).toEqual(['3fs-client', '3fs-storage'])
      for (const name of ['node1', 'node2', 'node3']) {
        const state = hosts.docker(name, ['inspect', '--format', '{{.State.Status}}', '3fs-storage']).toString().trim()
        expect(state).toBe('running')
      }
      // Each node's own config reached its own container (the node's /opt/3fs, not the machine's).
      for (const [index, name] of ['node1', 'node2', 'node3'].entries()) {
        const seen = hosts.docker(name, ['exec', '3fs-storage', 'cat', '/opt/3fs/etc/storage_main_app.toml']).toString()
        expect(seen).toMatch(new RegExp(`node_id = ${10_001 + index}\\b`))
      }
      // --privileged and --ulimit memlock reach the engine unchanged; only the runtime drops them here.
      expect(hosts.stripLog('node2').join('\n')).toMatch(/storage_main: dropped RLIMIT_MEMLOCK/)
      expect(result.stdout + result.stderr).not.toContain('ch-pass-5150')
      // Preflight asked each node about the limits the 3FS containers start with, and the client node about the
      // propagation of the mount its 3FS mount will sit on.
      for (const node of result.json.preflight.nodes) {
        const nofile = node.checks.find((check: any) => check.check === 'nofile')
        expect(
          nofile.status === 'ok' || /1048576.*\(ignored by --ignore-check\)$/.test(nofile.detail),
          nofile.detail,
        ).toBe(true)
      }
      const node3 = result.json.preflight.nodes.find((node: any) => node.node === 'node3')
      expect(node3.checks.find((check: any) => check.check === 'propagation')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/shared/),
      })
    },
    DEPLOY_MS,
  )

  it("the fuse container's 3FS mount reaches the client node (fuse.hf3fs), carries files, and no other node sees it", async () => {
    expect(await mountType('node3')).toEqual({exitCode: 0, stdout: 'fuse.hf3fs'})
    const written = await onNode(
      'node3',
      `printf 'written on node3' > ${mountpoint}/hello.txt && cat ${mountpoint}/hello.txt`,
    )
    expect(written).toEqual({exitCode: 0, stdout: 'written on node3'})
    // The file went through the mount into the container's backing directory, not into the host directory below it.
    expect(
      hosts.docker('node3', ['exec', '3fs-client', 'cat', '/var/lib/hf3fs-standin/data/hello.txt']).toString(),
    ).toBe('written on node3')
    expect((await mountType('node2')).stdout).toBe('')
    expect(existsSync(join(mountpoint, 'hello.txt'))).toBe(false)
  })

  it('status --json right after the deploy is HEALTHY', async () => {
    const result = await runCli(['status', '-c', config, '--json'])
    expect(result.json?.problems, result.stdout.slice(-3000)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.json.verdict).toBe('HEALTHY')
    expect(result.json.summary).toMatchObject({nodes: 3, reachable: 3})
    expect(JSON.stringify(result.json.nodes.find((node: any) => node.name === 'node3'))).toContain('fuse.hf3fs')
  })

  it(
    'a second deploy reports 0 changes',
    async () => {
      const result = await runCli(['deploy', '-c', config, '--json', ...IGNORE], {timeoutMs: DEPLOY_MS})
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json.changes).toBe(0)
      // The client's smoke test runs on every deploy and changes nothing: verified again, not a change.
      expect(result.json.verified).toBe(1)
      expect(result.json.skipped).toBe(result.json.total - 1)
    },
    DEPLOY_MS,
  )

  it('destroy removes every container and keeps the data', async () => {
    const result = await runCli(['destroy', '-c', config, '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    for (const name of ['node1', 'node2', 'node3']) expect(hosts.containers(name)).toEqual([])
    expect(await mountType('node3')).toEqual({exitCode: 0, stdout: ''})
    expect(existsSync(nodeDir('node1', 'fdb', 'data'))).toBe(true)
    expect(existsSync(nodeDir('node2', 'storage'))).toBe(true)
  })

  it(
    'artifact export makes a real docker save tarball, and deploy --artifact docker-loads it where the images are missing',
    async () => {
      const tarball = '/opt/3fs/3fs-images.tar'
      const exported = await runCli([
        'artifact',
        'export',
        '-c',
        config,
        '--json',
        '--node',
        'node1',
        '--output',
        tarball,
      ])
      expect(exported.exitCode, exported.stderr).toBe(0)
      expect(exported.json.images).toEqual([
        'open3fs/foundationdb:7.3.63',
        'open3fs/clickhouse:25.1-jammy',
        'open3fs/3fs:20250410',
      ])
      const local = nodeDir('node1', '3fs-images.tar')
      // docker save's format: a tar with manifest.json naming the three tags.
      const manifest = JSON.parse(execFileSync('tar', ['-xOf', local, 'manifest.json']).toString())
      expect(manifest.flatMap((entry: any) => entry.RepoTags).sort()).toEqual([
        'open3fs/3fs:20250410',
        'open3fs/clickhouse:25.1-jammy',
        'open3fs/foundationdb:7.3.63',
      ])
      hosts.docker('node3', [
        'rmi',
        'open3fs/3fs:20250410',
        'open3fs/foundationdb:7.3.63',
        'open3fs/clickhouse:25.1-jammy',
      ])
      const result = await runCli(['deploy', '-c', config, '--json', '--artifact', local, ...IGNORE], {
        timeoutMs: DEPLOY_MS,
      })
      expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0)
      expect(
        hosts.docker('node3', ['image', 'inspect', '--format', '{{.Id}}', 'open3fs/3fs:20250410']).toString(),
      ).toMatch(/^sha256:/)
      expect(hosts.containers('node3')).toEqual(['3fs-client', '3fs-storage'])
      expect((await mountType('node3')).stdout).toBe('fuse.hf3fs')
      expect(readFileSync(local).length).toBe(exported.json.bytes)
    },
    DEPLOY_MS,
  )
})
