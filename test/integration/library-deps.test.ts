/**
 * The dependency check of libhf3fs_api_shared.so and the duckdb-3fs extension (`ldd` on the node),
 * through the built CLI on real sshd test hosts, with a real ELF built here that NEEDs libraries the
 * machine lacks (test/helpers/elf-with-missing-deps.ts).
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {buildElfNeeding} from '../helpers/elf-with-missing-deps.js'
import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

const available = hostsAvailable()
// A soname no machine has, and libibverbs.so.1 when this machine lacks it (3FS links ibverbs).
const ABSENT = 'lib3fscli-absent-dependency.so.7'
const machineHas = (soname: string) => execFileSync('ldconfig', ['-p'], {encoding: 'utf8'}).includes(soname)

describe.skipIf(!available)('library dependency check on real SSH test hosts (real ELF, a deleted dependency)', () => {
  let hosts: TestHosts
  let config: string
  const needed = [ABSENT, ...(machineHas('libibverbs.so.1') ? [] : ['libibverbs.so.1'])]

  beforeAll(() => {
    hosts = TestHosts.start(2)
    config = hosts.writeCluster()
    const lib = join(hosts.dir, 'nodes', 'node1', 'opt3fs', 'duckdb', 'lib')
    mkdirSync(lib, {recursive: true})
    buildElfNeeding(join(lib, 'libhf3fs_api_shared.so'), needed)
    // Where the bench's worker looks by default (/opt/3fs/lib), on both nodes.
    for (const node of ['node1', 'node2']) {
      mkdirSync(join(hosts.dir, 'nodes', node, 'opt3fs', 'lib'), {recursive: true})
      buildElfNeeding(join(hosts.dir, 'nodes', node, 'opt3fs', 'lib', 'libhf3fs_api_shared.so'), needed)
    }
  })

  afterAll(() => {
    hosts?.down()
  })

  it('check names each library libhf3fs_api_shared.so lacks on the node and the package that brings it', async () => {
    const result = await runCli(['check', '-c', config, '--json', '--runtime', 'no-such-engine'])
    const libraries = (node: string) =>
      result.json.nodes
        .find((entry: any) => entry.node === node)
        .checks.find((check: any) => check.check === 'libraries')
    const node1 = libraries('node1')
    expect(node1).toMatchObject({status: 'warn'})
    expect(node1.detail).toContain(`${ABSENT} (unknown: apt-file search ${ABSENT})`)
    expect(node1.detail).toContain('for /opt/3fs/duckdb/lib/libhf3fs_api_shared.so')
    if (needed.includes('libibverbs.so.1')) {
      expect(node1.detail).toContain('libibverbs.so.1 (libibverbs1)')
      expect(node1.fix).toBe('Install them: apt-get install libibverbs1.')
    }
    expect(libraries('node2').detail).not.toContain('/opt/3fs/duckdb/lib')
  })

  it('bench throughput with --engine usrbio stops before the workers run, naming each node and what it lacks', async () => {
    const result = await runCli([
      'bench',
      'throughput',
      '-c',
      config,
      '--engine',
      'usrbio',
      '--size',
      '1MiB',
      '--runtime',
      '1s',
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    const message: string = result.json.error.message
    expect(message).toContain(`usrbio cannot load on node1 (missing ${ABSENT} (unknown: apt-file search ${ABSENT})`)
    expect(message).toContain('for /opt/3fs/lib/libhf3fs_api_shared.so); node2 (missing')
  })

  it('bench graysort run with the default engine (auto) stops too, and offers io_uring instead', async () => {
    const result = await runCli(['bench', 'graysort', 'run', '-c', config, '--size', '1M', '--json'])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(
      /^usrbio cannot load on node1 \(missing lib3fscli-absent-dependency\.so\.7/,
    )
    expect(result.json.error.next).toContain('Or bench without usrbio: --engine io_uring.')
  })
})
