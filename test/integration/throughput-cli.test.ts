/** `3fs-cli bench throughput` through the built CLI: locally and on 3 SSH test hosts (usrbio: test/integration/usrbio.test.ts). */
import {execFileSync} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

describe('bench throughput on this machine', () => {
  it('prints the documented JSON: engine, aggregate bandwidth, IOPS, latency percentiles and nodes', async () => {
    const result = await runCli([
      'bench',
      'throughput',
      '--rw',
      'read',
      '--bs',
      '1MiB',
      '--iodepth',
      '8',
      '--size',
      '64MiB',
      '--runtime',
      '1s',
      '--json',
    ])
    expect(result.exitCode, result.stderr).toBe(0)
    const report = result.json
    expect(report.engine).toBe('io_uring')
    expect(report.workload).toMatchObject({rw: 'read', blockSize: 1 << 20, iodepth: 8, jobs: 1, direct: true})
    for (const key of ['bandwidthMiBps', 'iops']) expect(report.aggregate[key]).toBeGreaterThan(0)
    for (const key of ['p50', 'p99', 'p999']) expect(report.aggregate.latencyUs[key]).toBeGreaterThan(0)
    expect(report.nodes).toHaveLength(1)
    expect(report.nodes[0]).toMatchObject({node: 'local', engine: 'io_uring'})
  })

  it('fails with a clear message when usrbio is asked for and the library is missing', async () => {
    const result = await runCli([
      'bench',
      'throughput',
      '--engine',
      'usrbio',
      '--usrbio-lib',
      '/nonexistent.so',
      '--size',
      '1MiB',
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(
      /^local: the worker failed in the throughput phase: usrbio needs libhf3fs_api_shared\.so/,
    )
  })
})

describe.skipIf(!hostsAvailable())('bench throughput on 3 SSH test hosts', () => {
  let hosts: TestHosts

  beforeAll(() => {
    hosts = TestHosts.start(3)
  })

  afterAll(() => {
    hosts?.down()
  })

  it('starts every node together and aggregates over the common window', async () => {
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW})
    const result = await runCli([
      'bench',
      'throughput',
      '-c',
      config,
      '--rw',
      'read',
      '--bs',
      '1MiB',
      '--iodepth',
      '8',
      '--size',
      '128MiB',
      '--runtime',
      '3s',
      '--json',
    ])
    expect(result.exitCode, result.stdout + result.stderr).toBe(0)
    const report = result.json
    expect(report.nodes.map((node: any) => node.node)).toEqual(['node1', 'node2', 'node3'])
    // The workers were told one start instant: they began within a fraction of a second of each other.
    const starts = report.nodes.map((node: any) => node.startEpochMs)
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(500)
    expect(report.aggregate.windowSeconds).toBeGreaterThanOrEqual(2)
    expect(report.aggregate.bandwidthMiBps).toBeGreaterThan(0)
    expect(report.dir).toMatch(/^\/3fs\/throughput\/run-/)
  })

  it('names a node whose worker dies mid-run, and the run fails', async () => {
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW})
    const run = runCli([
      'bench',
      'throughput',
      '-c',
      config,
      '--rw',
      'read',
      '--bs',
      '1MiB',
      '--iodepth',
      '4',
      '--size',
      '64MiB',
      '--runtime',
      '20s',
      '--json',
    ])
    let killed = false
    for (let attempt = 0; attempt < 400 && !killed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      try {
        execFileSync('pkill', [
          '-KILL',
          '-f',
          '3fs-worker.* throughput --dir /3fs/throughput/run-[^ ]*/node3 .*--start-at',
        ])
        killed = true
      } catch {}
    }
    expect(killed).toBe(true)
    const result = await run
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(
      /^node3: the worker failed in the throughput phase: the worker was killed/,
    )
  })
})

describe('bench engines', () => {
  it('reports which engines work here and what auto picks (usrbio missing its library)', async () => {
    const result = await runCli(['bench', 'engines', '--json'])
    expect(result.exitCode).toBe(0)
    const byEngine = Object.fromEntries(result.json.engines.map((probe: any) => [probe.engine, probe]))
    expect(byEngine.io_uring.works).toBe(true)
    expect(byEngine.psync.works).toBe(true)
    expect(byEngine.usrbio).toMatchObject({works: false, reason: expect.stringContaining('libhf3fs_api_shared.so')})
    expect(result.json.auto).toBe('io_uring')
  })
})
