/** `3fs-cli bench graysort` through the built CLI: locally, and across 3 SSH test hosts sharing /3fs. */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

describe('bench graysort on this machine', () => {
  it('runs the whole benchmark with no cluster.yml and passes, removing its files', async () => {
    const result = await runCli(['bench', 'graysort', 'run', '--records', '500000', '--json'])
    expect(result.exitCode).toBe(0)
    const report = result.json
    expect(report).toMatchObject({verdict: 'PASS', records: 500000, bytes: 50_000_000, nodes: ['local'], reasons: []})
    expect(report.validation).toMatchObject({records: 500000, unordered: 0, ok: true})
    expect(report.validation.checksum).toBe(report.input.checksum)
    expect(report.sort.timings.map((timing: any) => timing.phase)).toEqual(['sample', 'map', 'reduce'])
    expect(report.gibPerSecondPerNode).toBeGreaterThan(0)
    expect(existsSync(report.dir)).toBe(false)
  })

  it('gives the same result step by step with gen, sort and validate, and names a missing partition', async () => {
    const dir = mkdtempSync(join(tmpdir(), '3fs-cli-gs-'))
    const gen = await runCli(['bench', 'graysort', 'gen', '--records', '200000', '--output', `${dir}/in/`, '--json'])
    expect(gen.exitCode).toBe(0)
    const sorted = await runCli([
      'bench',
      'graysort',
      'sort',
      '--input',
      `${dir}/in`,
      '--output',
      `${dir}/out`,
      '--partitions',
      '5',
      '--json',
    ])
    expect(sorted.exitCode).toBe(0)
    // One node, data that fits: the plan leaves the shuffle to the node, which says what ran and why.
    expect(sorted.json.plan.shuffle).toBe('auto')
    expect(['memory', 'files']).toContain(sorted.json.shuffle)
    expect(sorted.json.memoryReturnedToHost).toBe(sorted.json.shuffle === 'files')
    const saved = JSON.parse(readFileSync(sorted.json.resultFile, 'utf8'))
    expect(saved.parameters).toMatchObject({
      shuffle: 'auto',
      shuffleUsed: sorted.json.shuffle,
      memoryReturnedToHost: sorted.json.memoryReturnedToHost,
    })
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([
      'part-00000.dat',
      'part-00001.dat',
      'part-00002.dat',
      'part-00003.dat',
      'part-00004.dat',
    ])
    const valid = await runCli([
      'bench',
      'graysort',
      'validate',
      `${dir}/out`,
      '--expect-records',
      '200000',
      '--expect-checksum',
      gen.json.checksum,
      '--json',
    ])
    expect(valid.exitCode).toBe(0)
    expect(valid.json).toMatchObject({records: 200000, unordered: 0, checksum: gen.json.checksum, ok: true})
    // A missing partition is named, and the verdict fails.
    execFileSync('rm', [join(dir, 'out', 'part-00002.dat')])
    const broken = await runCli([
      'bench',
      'graysort',
      'validate',
      `${dir}/out`,
      '--expect-checksum',
      gen.json.checksum,
      '--json',
    ])
    expect(broken.exitCode).toBe(1)
    expect(broken.json.problems.map((problem: any) => problem.path)).toEqual([
      join(dir, 'out', 'part-00002.dat'),
      '(all)',
    ])
  })

  it('writes one file identical to gensort for a file path', async () => {
    const dir = mkdtempSync(join(tmpdir(), '3fs-cli-gs-'))
    const gen = await runCli([
      'bench',
      'graysort',
      'gen',
      '--records',
      '100000',
      '--mode',
      'ascii',
      '--output',
      join(dir, 'a.txt'),
      '--json',
    ])
    expect(gen.json.checksum).toBe('c34e19c81885')
    expect(execFileSync('sha256sum', [join(dir, 'a.txt')], {encoding: 'utf8'}).split(' ')[0]).toBe(
      '80fe641398d33c5f9875d526adcc2cc637540ced7d08b925e119cb44f3005375',
    )
  })

  it('prints a plan without running anything', async () => {
    const result = await runCli([
      'bench',
      'graysort',
      'run',
      '--plan',
      '--size',
      '110.5TiB',
      '--plan-nodes',
      '50',
      '--memory',
      '512GiB',
      '--cores',
      '64',
      '--json',
    ])
    expect(result.exitCode).toBe(0)
    expect(result.json).toMatchObject({
      nodes: 50,
      shuffle: 'files',
      files: {input: 50, map: 50 * (result.json.mapRunsPerNode + 1)},
    })
    expect(result.json.partitions % 50).toBe(0)
  })

  it('asks for a size when none is given', async () => {
    const result = await runCli(['bench', 'graysort', 'run', '--json'])
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain('--size or --records')
  })
})

describe.skipIf(!hostsAvailable())('bench graysort on 3 SSH test hosts', () => {
  let hosts: TestHosts

  beforeAll(() => {
    hosts = TestHosts.start(3)
  })

  afterAll(() => {
    hosts?.down()
  })

  it("plans a cluster run with the nodes' probed memory and cores, not this machine's total memory", async () => {
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW})
    const available = Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024
    const result = await runCli(['bench', 'graysort', 'run', '--plan', '-c', config, '--size', '1GiB', '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json).toMatchObject({nodes: 3, records: 10_737_418})
    // 60% of the smallest node's MemAvailable (the test hosts share this kernel): below 60% of the total,
    // which is what a plan made from this machine's figures used to print.
    expect(result.json.memoryPerNodeBytes).toBeLessThan(Math.floor(totalmem() * 0.6))
    expect(result.json.memoryPerNodeBytes).toBeGreaterThan(available * 0.6 * 0.5)
    expect(result.json.memoryPerNodeBytes).toBeLessThan(available * 0.6 * 1.5)
    expect(result.json.threadsPerNode).toBe(Number(execFileSync('nproc', {encoding: 'utf8'}).trim()))
  })

  it('generates, sorts and validates across the nodes through the shared mount', async () => {
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW})
    const result = await runCli(['bench', 'graysort', 'run', '-c', config, '--records', '600000', '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json).toMatchObject({verdict: 'PASS', nodes: ['node1', 'node2', 'node3'], records: 600000})
    expect(result.json.partitions % 3).toBe(0)
    expect(result.json.dir).toMatch(/^\/3fs\/graysort\/run-/)
    // Cleaned up on the shared mount: the run directory is gone.
    expect(readdirSync(join(hosts.dir, 'shared3fs', 'graysort'))).toEqual([])
  })

  it('fails with the node and phase named when a worker is killed mid-run, and a re-run succeeds', async () => {
    const config = hosts.writeCluster({username: hosts.env.USER_NOPW})
    const run = runCli(['bench', 'graysort', 'run', '-c', config, '--records', '6000000', '--json'])
    // Kill node2's worker (sort-node --index 1) once its first map run file appears on the shared mount.
    const graysortDir = join(hosts.dir, 'shared3fs', 'graysort')
    const mapStarted = () => {
      try {
        return readdirSync(graysortDir).some((run) => existsSync(join(graysortDir, run, 'work', 'map-1-r00000.dat')))
      } catch {
        return false
      }
    }
    let killed = false
    for (let attempt = 0; attempt < 2000 && !killed; attempt++) {
      if (mapStarted()) {
        try {
          execFileSync('pkill', ['-KILL', '-f', '3fs-worker.* sort-node --index 1 '])
          killed = true
          break
        } catch {}
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(killed).toBe(true)
    const failed = await run
    expect(failed.exitCode).toBe(1)
    expect(failed.json.error.message).toMatch(/^node2: the worker failed in the map phase: the worker was killed/)
    const again = await runCli(['bench', 'graysort', 'run', '-c', config, '--records', '300000', '--json'])
    expect(again.exitCode).toBe(0)
    expect(again.json.verdict).toBe('PASS')
  })
})
