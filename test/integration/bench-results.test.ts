/** Saved bench results through the built CLI: --out, the XDG cache default, validation on read. */
import {execSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {benchResultSchema} from '../../src/bench/results/model.js'
import {loadResult} from '../../src/bench/results/store.js'
import {runCli} from '../helpers/cli.js'

const work = mkdtempSync(join(tmpdir(), '3fs-cli-results-'))
const cache = join(work, 'cache')
const env = {XDG_CACHE_HOME: cache}

describe('bench results', () => {
  let throughputFile = ''

  beforeAll(async () => {
    throughputFile = join(work, 'r.json')
    const result = await runCli(
      [
        'bench',
        'throughput',
        '--rw',
        'read',
        '--bs',
        '1M',
        '--iodepth',
        '4',
        '--size',
        '16M',
        '--runtime',
        '2s',
        '--dir',
        mkdtempSync(join(work, 'tp-')),
        '--out',
        throughputFile,
        '--html',
        join(work, 'r.html'),
        '--json',
      ],
      {env},
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.resultFile).toBe(throughputFile)
  })

  it('--bs 1M moves 1 MiB blocks and the saved throughput result holds what a fair comparison needs', async () => {
    const saved = await loadResult(throughputFile)
    expect(saved.kind).toBe('throughput')
    expect(saved.parameters).toMatchObject({rw: 'read', blockSize: 2 ** 20, iodepth: 4, jobs: 1})
    expect(saved.engine).toMatch(/io_uring|psync/)
    expect(saved.figures.find((figure) => figure.key === 'aggregate.bandwidthMiBps')).toMatchObject({
      unit: 'MiB/s',
      better: 'higher',
    })
    expect(saved.figures.find((figure) => figure.key === 'aggregate.latency.p99')).toMatchObject({
      unit: 'us',
      better: 'lower',
    })
    expect(saved.nodes[0]!.node).toBe('local')
    expect(saved.series[0]!.bytesPerSecond.length).toBeGreaterThan(0)
    expect(saved.latencyHistogram.length).toBeGreaterThan(0)
    expect(saved.environment.hosts[0]).toMatchObject({node: 'local'})
    // This machine's figures are read in-process; they are what the shell probe reads on a node.
    const sh = (command: string) => execSync(command, {encoding: 'utf8'}).trim()
    expect(saved.environment.hosts[0]).toMatchObject({
      kernel: sh('uname -r'),
      cores: Number(sh('nproc')),
      memoryBytes: Number(sh('awk \'/^MemTotal:/ {printf "%.0f", $2 * 1024}\' /proc/meminfo')),
      cpu: sh('awk -F": " \'/^model name/ {print $2; exit}\' /proc/cpuinfo') || undefined,
      mount: {target: sh(`findmnt -n -o TARGET -T ${work}`), fstype: sh(`findmnt -n -o FSTYPE -T ${work}`)},
    })
    expect(saved.environment.cliVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(saved.schema).toBe(1)
  })

  it('saves under $XDG_CACHE_HOME/3fs-cli/results by default, with a time-stamped name it prints', async () => {
    const result = await runCli(['bench', 'graysort', 'run', '--size', '4M'], {env})
    expect(result.exitCode, result.stderr).toBe(0)
    const dir = join(cache, '3fs-cli', 'results')
    const files = readdirSync(dir).filter((name) => name.startsWith('graysort-run-'))
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^graysort-run-\d{8}-\d{6}-[0-9a-f]{4}\.json$/)
    expect(result.stdout).toContain(`Result saved to ${join(dir, files[0]!)}`)
    const saved = benchResultSchema.parse(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')))
    expect(saved.verdict).toBe('PASS')
    expect(saved.phases.map((span) => span.phase)).toEqual(
      expect.arrayContaining(['gen', 'sample', 'map', 'reduce', 'validate']),
    )
    expect(saved.nodes[0]!.figures.find((figure) => figure.key === 'node.local.map.seconds')).toBeDefined()
    // The worker's own account of the map and reduce: read wait, partition or sort, write wait.
    for (const [phase, work] of [
      ['map', 'partition'],
      ['reduce', 'sort'],
    ] as const) {
      const span = saved.phases.find((entry) => entry.phase === phase)!
      const names = (span.parts ?? []).map((part) => part.name)
      expect(names, phase).toContain(work)
      const partSeconds = (span.parts ?? []).reduce((sum, part) => sum + part.seconds, 0)
      // The parts are one thread's time inside the phase: never more than the phase took (clock slack aside).
      expect(partSeconds).toBeGreaterThan(0)
      expect(partSeconds).toBeLessThanOrEqual((span.endEpochMs - span.startEpochMs) / 1000 + 0.05)
      expect(saved.nodes[0]!.figures.map((figure) => figure.key)).toContain(`node.local.${phase}.${work}.seconds`)
    }
  })

  it('bench compare: a result against itself is no change; a regression beyond --threshold exits 1', async () => {
    const same = await runCli(['bench', 'compare', throughputFile, throughputFile])
    expect(same.exitCode, same.stderr).toBe(0)
    expect(same.stdout).toContain('No change')
    const sameJson = await runCli(['bench', 'compare', throughputFile, throughputFile, '--threshold', '0', '--json'])
    expect(sameJson.exitCode).toBe(0)
    expect(sameJson.json.summary).toMatchObject({noChange: true, regressions: 0})
    const slower = JSON.parse(readFileSync(throughputFile, 'utf8'))
    for (const figure of slower.figures) if (figure.key === 'aggregate.bandwidthMiBps') figure.value *= 0.8
    const slowerFile = join(work, 'slower.json')
    writeFileSync(slowerFile, JSON.stringify(slower))
    const worse = await runCli(['bench', 'compare', throughputFile, slowerFile, '--threshold', '5', '--json'])
    expect(worse.exitCode).toBe(1)
    const bandwidth = worse.json.figures.find((figure: {key: string}) => figure.key === 'aggregate.bandwidthMiBps')
    expect(bandwidth).toMatchObject({verdict: 'worse', regression: true})
    expect(bandwidth.changePct).toBeCloseTo(-20, 5)
    const tolerant = await runCli(['bench', 'compare', throughputFile, slowerFile, '--threshold', '25', '--json'])
    expect(tolerant.exitCode).toBe(0)
    const bad = await runCli(['bench', 'compare', throughputFile, join(work, 'missing.json'), '--json'])
    expect(bad.exitCode).toBe(2)
  })

  it('graysort run --impl duckdb passes the same validator and is drawn beside the native run', async () => {
    const duck = await runCli(
      ['bench', 'graysort', 'run', '--size', '4M', '--impl', 'duckdb', '--out', join(work, 'duck.json'), '--json'],
      {env},
    )
    expect(duck.exitCode, duck.stderr).toBe(0)
    expect(duck.json).toMatchObject({verdict: 'PASS', engine: 'duckdb', records: Math.floor((4 * 2 ** 20) / 100)})
    expect(duck.json.validation.checksum).toBe(duck.json.input.checksum)
    const saved = await loadResult(join(work, 'duck.json'))
    expect(saved).toMatchObject({impl: 'duckdb', verdict: 'PASS'})
    expect(saved.phases.map((span) => span.phase)).toEqual(expect.arrayContaining(['map', 'reduce', 'validate']))
    const native = await runCli(['bench', 'graysort', 'run', '--size', '4M', '--out', join(work, 'native.json')], {env})
    expect(native.exitCode, native.stderr).toBe(0)
    const report = await runCli(
      [
        'bench',
        'report',
        join(work, 'native.json'),
        join(work, 'duck.json'),
        '--html',
        join(work, 'sorts.html'),
        '--json',
      ],
      {env},
    )
    expect(report.exitCode, report.stderr).toBe(0)
    const html = readFileSync(join(work, 'sorts.html'), 'utf8')
    expect(html).toContain('impl native')
    expect(html).toContain('impl duckdb')
    const compare = await runCli(['bench', 'compare', join(work, 'native.json'), join(work, 'duck.json'), '--json'], {
      env,
    })
    expect(compare.json.notes).toContain('different sort implementations: native against duckdb')
  })

  it('refuses a file that is not a result, naming the field', async () => {
    const bad = join(work, 'bad.json')
    writeFileSync(bad, JSON.stringify({schema: 1, kind: 'throughput'}))
    await expect(loadResult(bad)).rejects.toThrow(/is not a bench result: .*title/)
    writeFileSync(bad, JSON.stringify({schema: 99}))
    await expect(loadResult(bad)).rejects.toThrow(/schema 99/)
  })
})
