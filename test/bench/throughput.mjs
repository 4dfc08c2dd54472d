// Benchmark: `3fs-cli bench throughput` (io_uring engine, O_DIRECT) against fio's io_uring engine on the
// same file with the same parameters, measured in this run, alternating tools; prints ratios and exits 1
// when a target is missed. With root, also checks on 3 SSH test hosts that the windowed aggregate
// equals the sum of the per-node results within 5%.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cli = join(root, 'bin', 'run.js')
const dir = mkdtempSync(join(tmpdir(), '3fs-cli-bench-tp-'))
const SIZE = process.env.SIZE ?? '2GiB'
const RUNTIME = Number(process.env.RUNTIME ?? 5)

const ours = (rw, bs, depth) => {
  const out = spawnSync(
    'node',
    [
      cli,
      'bench',
      'throughput',
      '--dir',
      dir,
      '--rw',
      rw,
      '--bs',
      bs,
      '--iodepth',
      String(depth),
      '--size',
      SIZE,
      '--runtime',
      `${RUNTIME}s`,
      '--engine',
      'io_uring',
      '--keep',
      '--json',
    ],
    {encoding: 'utf8'},
  )
  if (out.status !== 0) throw new Error(`3fs-cli failed: ${out.stdout}${out.stderr}`)
  const report = JSON.parse(out.stdout)
  return {mibps: report.aggregate.bandwidthMiBps, iops: report.aggregate.iops, engine: report.engine}
}
const fio = (rw, bs, depth) => {
  const out = spawnSync(
    'fio',
    [
      '--name=peer',
      `--filename=${join(dir, '3fs-cli-bench.0.dat')}`,
      `--rw=${rw}`,
      `--bs=${bs.replace('iB', '')}`,
      `--iodepth=${depth}`,
      '--ioengine=io_uring',
      '--direct=1',
      `--size=${SIZE.replace('iB', '')}`,
      `--runtime=${RUNTIME}`,
      '--time_based',
      '--output-format=json',
    ],
    {encoding: 'utf8'},
  )
  if (out.status !== 0) throw new Error(`fio failed: ${out.stderr}`)
  const job = JSON.parse(out.stdout).jobs[0]
  const side = rw.includes('write') ? job.write : job.read
  return {mibps: side.bw / 1024, iops: side.iops}
}
const best = (runs, key) => Math.max(...runs.map((run) => run[key]))

try {
  console.log(
    `throughput benchmark: ${SIZE} file, ${RUNTIME} s per run, each tool three times, alternating (best of three)`,
  )
  const cases = [
    {name: 'sequential read 1MiB depth 32', rw: 'read', bs: '1MiB', depth: 32, key: 'mibps', target: 0.95},
    {name: 'sequential write 1MiB depth 32', rw: 'write', bs: '1MiB', depth: 32, key: 'mibps', target: 0.95},
    {name: 'random read 4KiB depth 64', rw: 'randread', bs: '4KiB', depth: 64, key: 'iops', target: 0.9},
  ]
  let failed = false
  ours('read', '1MiB', 32) // lays the file out once
  for (const test of cases) {
    const a = [],
      b = []
    for (let round = 0; round < 3; round++) {
      a.push(ours(test.rw, test.bs, test.depth))
      b.push(fio(test.rw, test.bs, test.depth))
    }
    const ratio = best(a, test.key) / best(b, test.key)
    const unit = test.key === 'mibps' ? 'MiB/s' : 'IOPS'
    const ok = ratio >= test.target
    failed ||= !ok
    console.log(
      `  ${test.name}: 3fs-cli ${best(a, test.key).toFixed(0)} ${unit} (${a[0].engine}), fio ${best(b, test.key).toFixed(0)} ${unit}, ratio ${ratio.toFixed(3)} (target >= ${test.target}) ${ok ? 'ok' : 'MISSED'}`,
    )
  }
  if (process.getuid?.() === 0) {
    const {TestHostsForBench} = await import('./hosts-for-bench.mjs')
    const hosts = TestHostsForBench.start(3)
    try {
      const config = hosts.writeCluster()
      const out = spawnSync(
        'node',
        [
          cli,
          'bench',
          'throughput',
          '-c',
          config,
          '--rw',
          'read',
          '--bs',
          '1MiB',
          '--iodepth',
          '16',
          '--size',
          '1GiB',
          '--runtime',
          `${RUNTIME}s`,
          '--json',
        ],
        {encoding: 'utf8'},
      )
      if (out.status !== 0) throw new Error(`3-host run failed: ${out.stdout}${out.stderr}`)
      const report = JSON.parse(out.stdout)
      const {bandwidthMiBps, sumOfNodesMiBps, windowSeconds} = report.aggregate
      const difference = Math.abs(bandwidthMiBps - sumOfNodesMiBps) / sumOfNodesMiBps
      const ok = difference <= 0.05
      failed ||= !ok
      console.log(
        `  3 test hosts: aggregate ${bandwidthMiBps.toFixed(0)} MiB/s over ${windowSeconds} s, sum of nodes ${sumOfNodesMiBps.toFixed(0)} MiB/s, difference ${(difference * 100).toFixed(2)}% (target <= 5%) ${ok ? 'ok' : 'MISSED'}`,
      )
    } finally {
      hosts.down()
    }
  }
  process.exitCode = failed ? 1 : 0
} finally {
  rmSync(dir, {recursive: true, force: true})
}
