/**
 * The native worker's GraySort commands, run as real processes on real files: the generator against
 * gensort's published reference outputs, the sort, and the validator's detection of every kind of
 * damaged output.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, truncateSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {workerPath} from '../../src/native/index.js'

const worker = workerPath()
const dir = mkdtempSync(join(tmpdir(), '3fs-cli-worker-'))
// About 360 MB of generated and sorted records: gone with the run.
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function run(args: string[]): Array<Record<string, any>> {
  const result = spawnSync(worker, args, {encoding: 'utf8'})
  const lines = result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
  if (result.status !== 0)
    throw Object.assign(new Error(`worker ${args[0]} exited ${result.status}: ${result.stderr}`), {
      lines,
      status: result.status,
    })
  return lines
}
const result = (lines: Array<Record<string, any>>) => lines.find((line) => line.type === 'result')!
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

describe('gensort-identical generator', () => {
  it('matches gensort 100000 byte for byte, with the same checksum as gensort -c', () => {
    const out = join(dir, 'binary.dat')
    expect(result(run(['gen', '--count', '100000', '--output', out])).checksum).toBe('c3068574c6ff')
    expect(sha256(out)).toBe('b448d01a3705d4908bf9170e6d5591f6bf94f9219d0faed44b3e4011eef91087')
  })

  it('matches gensort -a 100000 byte for byte', () => {
    const out = join(dir, 'ascii.txt')
    expect(result(run(['gen', '--count', '100000', '--mode', 'ascii', '--output', out])).checksum).toBe('c34e19c81885')
    expect(sha256(out)).toBe('80fe641398d33c5f9875d526adcc2cc637540ced7d08b925e119cb44f3005375')
  })

  it('generates any range on its own: records [S, S+N) equal that slice of the whole (gensort -bS)', () => {
    const whole = join(dir, 'whole.dat')
    const slice = join(dir, 'slice.dat')
    run(['gen', '--count', '3000', '--output', whole, '--threads', '3'])
    run(['gen', '--start', '1234', '--count', '1000', '--output', slice])
    expect(readFileSync(slice).equals(readFileSync(whole).subarray(123_400, 223_400))).toBe(true)
  })

  it('refuses bad options with exit code 2 and says why', () => {
    const out = spawnSync(worker, ['gen', '--count', 'ten', '--output', join(dir, 'x')], {encoding: 'utf8'})
    expect(out.status).toBe(2)
    expect(JSON.parse(out.stdout.trim())).toEqual({
      type: 'error',
      message: 'option --count needs a whole number, got ten',
    })
  })
})

describe('sort and validate', () => {
  const input = join(dir, 'sort-in.dat')
  let inputChecksum: string

  beforeAll(() => {
    inputChecksum = result(run(['gen', '--count', '300000', '--output', input])).checksum
  })

  function sortInto(name: string, partitions: number, memory: number): string[] {
    const work = join(dir, name)
    mkdirSync(join(work, 'out'), {recursive: true})
    run(['sample', '--inputs', input, '--output', join(work, 'sample.keys'), '--per-file', '5000'])
    run([
      'splitters',
      '--samples',
      join(work, 'sample.keys'),
      '--partitions',
      String(partitions),
      '--output',
      join(work, 'splitters.keys'),
    ])
    const map = result(
      run([
        'test:map',
        '--inputs',
        input,
        '--splitters',
        join(work, 'splitters.keys'),
        '--output',
        join(work, 'map-0'),
        '--memory',
        String(memory),
      ]),
    )
    expect(map.records).toBe(300000)
    const reduce = result(
      run([
        'test:reduce',
        '--maps',
        join(work, 'map-0'),
        '--first',
        '0',
        '--end',
        String(partitions),
        '--output-dir',
        join(work, 'out'),
      ]),
    )
    expect(reduce).toMatchObject({records: 300000, partitions})
    return readdirSync(join(work, 'out'))
      .sort()
      .map((file) => join(work, 'out', file))
  }

  it('sorts into partitions whose concatenation is ordered and keeps every record', () => {
    const outputs = sortInto('plain', 7, 1 << 30)
    expect(outputs).toHaveLength(7)
    expect(result(run(['validate', '--inputs', outputs.join(',')]))).toMatchObject({
      records: 300000,
      unordered: 0,
      duplicates: 0,
      checksum: inputChecksum,
    })
  })

  it('stays correct when memory forces many map runs', () => {
    // 4 MB of memory gives 1 MB runs: 30 runs, so every partition is read back from 30 segments.
    const outputs = sortInto('runs', 5, 4_000_000)
    expect(result(run(['validate', '--inputs', outputs.join(',')]))).toMatchObject({
      records: 300000,
      unordered: 0,
      checksum: inputChecksum,
    })
  })

  it('validates unsorted input as valsort does: counts the records out of order', () => {
    const summary = result(run(['validate', '--inputs', input]))
    expect(summary.records).toBe(300000)
    expect(summary.unordered).toBeGreaterThan(100000)
    expect(summary.firstUnordered).toBeGreaterThan(0)
    expect(summary.checksum).toBe(inputChecksum)
  })

  it('detects a corrupted, a reordered, a truncated and a swapped partition, naming each', () => {
    const outputs = sortInto('damage', 6, 1 << 30)
    // Corrupt a byte of the payload: order holds, the checksum does not.
    const intactChecksum = result(run(['validate', '--inputs', outputs[1]!])).checksum
    const corrupt = readFileSync(outputs[1]!)
    corrupt[55]! ^= 0xff
    writeFileSync(outputs[1]!, corrupt)
    // Swap two records of partition 2.
    const reordered = readFileSync(outputs[2]!)
    const first = Buffer.from(reordered.subarray(0, 100))
    reordered.copy(reordered, 0, 100, 200)
    first.copy(reordered, 100)
    writeFileSync(outputs[2]!, reordered)
    // Cut partition 3 in the middle of a record.
    truncateSync(outputs[3]!, 150)
    const lines = run([
      'validate',
      '--inputs',
      [outputs[0], outputs[1], outputs[2], outputs[3], outputs[5], outputs[4]].join(','),
    ])
    const files = lines.filter((line) => line.type === 'file')
    expect(files[1]).toMatchObject({unordered: 0})
    expect(files[1]!.checksum).not.toBe(intactChecksum)
    expect(files[2]).toMatchObject({unordered: 1, firstUnordered: 1})
    expect(files[3]!.error).toMatch(/part-00003\.dat is 150 bytes, not a whole number of 100-byte records/)
    // Partition 5 before 4: each is ordered, but 4's first key is below 5's last key.
    expect(files[4]!.lastKey > files[5]!.firstKey).toBe(true)
    expect(result(lines).checksum).not.toBe(inputChecksum)
  })
})

describe('validate at its internal boundaries', () => {
  /** 200,000 records in key order (sorted here, not by the worker under test). */
  const sortedFile = join(dir, 'boundary-sorted.dat')
  beforeAll(() => {
    const raw = join(dir, 'boundary-raw.dat')
    run(['gen', '--count', '200000', '--output', raw])
    const data = readFileSync(raw)
    const order = Array.from({length: 200_000}, (_, index) => index).sort((a, b) =>
      Buffer.compare(data.subarray(a * 100, a * 100 + 10), data.subarray(b * 100, b * 100 + 10)),
    )
    const sorted = Buffer.alloc(data.length)
    for (const [to, from] of order.entries()) data.copy(sorted, to * 100, from * 100, from * 100 + 100)
    writeFileSync(sortedFile, sorted)
  })

  function swapped(name: string, at: number): string {
    const data = readFileSync(sortedFile)
    const first = Buffer.from(data.subarray(at * 100, at * 100 + 100))
    data.copy(data, at * 100, (at + 1) * 100, (at + 2) * 100)
    first.copy(data, (at + 1) * 100)
    const path = join(dir, name)
    writeFileSync(path, data)
    return path
  }

  it('accepts the sorted file', () => {
    expect(result(run(['validate', '--inputs', sortedFile]))).toMatchObject({
      records: 200_000,
      unordered: 0,
      duplicates: 0,
    })
  })

  // The validator reads in steps of 10,000 records and pieces of 83,886 (8 MiB), checked by separate
  // threads and merged: a swap across either boundary is found only by comparing the earlier part's LAST key.
  for (const [what, at, threads] of [
    ['a read step (records 9999/10000)', 9_999, '1'],
    ['a piece, one thread', 83_885, '1'],
    ['a piece, pieces on different threads', 83_885, '4'],
    ['inside a step', 12_344, '2'],
  ] as const) {
    it(`finds a swap across ${what}`, () => {
      const path = swapped(`swap-${at}-${threads}.dat`, at)
      expect(result(run(['validate', '--inputs', path, '--threads', threads]))).toMatchObject({
        records: 200_000,
        unordered: 1,
        firstUnordered: at + 1,
      })
    })
  }

  it('counts a duplicate key as a duplicate, not as out of order, inside a step and across a step', () => {
    for (const at of [4_321, 9_999]) {
      const data = readFileSync(sortedFile)
      data.copy(data, (at + 1) * 100, at * 100, at * 100 + 10) // record at+1 gets record at's key
      const path = join(dir, `duplicate-${at}.dat`)
      writeFileSync(path, data)
      expect(result(run(['validate', '--inputs', path, '--threads', '1']))).toMatchObject({
        records: 200_000,
        unordered: 0,
        duplicates: 1,
      })
    }
  })

  it('finds two files given in the wrong order (the boundary between files)', () => {
    const data = readFileSync(sortedFile)
    writeFileSync(join(dir, 'low.dat'), data.subarray(0, 5_000_000))
    writeFileSync(join(dir, 'high.dat'), data.subarray(5_000_000))
    expect(
      result(run(['validate', '--inputs', [join(dir, 'low.dat'), join(dir, 'high.dat')].join(',')])),
    ).toMatchObject({records: 200_000, unordered: 0})
    expect(
      result(run(['validate', '--inputs', [join(dir, 'high.dat'), join(dir, 'low.dat')].join(',')])),
    ).toMatchObject({records: 200_000, unordered: 1, firstUnordered: 150_000})
  })
})

describe('sort of keys that differ only in their last bytes', () => {
  it('orders records by all 10 key bytes (the first 8 of every key from 3 values)', () => {
    const base = join(dir, 'low-bytes')
    mkdirSync(join(base, 'work'), {recursive: true})
    mkdirSync(join(base, 'out'), {recursive: true})
    const records = 60_000
    const data = Buffer.alloc(records * 100)
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (let i = 0; i < records; i++) {
      const prefix = next() % 3
      for (let b = 0; b < 8; b++) data[i * 100 + b] = 0x40 + prefix
      for (let b = 8; b < 100; b++) data[i * 100 + b] = next() & 0xff
    }
    writeFileSync(join(base, 'input.dat'), data)
    const sorted = result(
      run([
        'sort-node',
        '--index',
        '0',
        '--nodes',
        '1',
        '--inputs',
        join(base, 'input.dat'),
        '--work',
        join(base, 'work'),
        '--partitions',
        '2',
        '--output-dir',
        join(base, 'out'),
        '--shuffle',
        'memory',
        '--memory',
        '40000000',
      ]),
    )
    expect(sorted).toMatchObject({records})
    const files = readdirSync(join(base, 'out'))
      .filter((name) => name.endsWith('.dat'))
      .sort()
      .map((name) => join(base, 'out', name))
    expect(result(run(['validate', '--inputs', files.join(',')]))).toMatchObject({records, unordered: 0})
  })
})

describe('sort of skewed input', () => {
  /** 300,000 records whose keys crowd into a few prefixes (90% share the first byte 0x00), like gensort -s. */
  function writeSkewed(path: string): void {
    const records = 300_000
    const data = Buffer.alloc(records * 100)
    let seed = 99
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    for (let i = 0; i < records; i++) {
      for (let b = 0; b < 100; b++) data[i * 100 + b] = next() & 0xff
      if (next() % 10 !== 0) {
        data[i * 100] = 0
        data[i * 100 + 1] = next() % 3
      }
    }
    writeFileSync(path, data)
  }

  for (const shuffle of ['files', 'memory']) {
    it(`keeps partitions balanced from a key sample, with the shuffle in ${shuffle}`, () => {
      const base = join(dir, `skew-${shuffle}`)
      mkdirSync(join(base, 'work'), {recursive: true})
      mkdirSync(join(base, 'out'), {recursive: true})
      writeSkewed(join(base, 'input.dat'))
      const sorted = result(
        run([
          'sort-node',
          '--index',
          '0',
          '--nodes',
          '1',
          '--inputs',
          join(base, 'input.dat'),
          '--work',
          join(base, 'work'),
          '--partitions',
          '8',
          '--output-dir',
          join(base, 'out'),
          '--shuffle',
          shuffle,
          '--memory',
          '40000000',
        ]),
      )
      // 40 MB of memory cuts the 30 MB input into several map runs, so partitions are gathered from many
      // segments (from files, or straight from the in-memory arena).
      expect(sorted).toMatchObject({records: 300_000, partitions: 8, shuffle, mapRuns: 3})
      const sizes = readdirSync(join(base, 'out'))
        .filter((name) => name.endsWith('.dat'))
        .sort()
        .map((name) => readFileSync(join(base, 'out', name)).length)
      const mean = (300_000 * 100) / 8
      // Splitting by key range alone would put 90% into one partition; sampled splitters keep each near 1/8.
      expect(Math.max(...sizes)).toBeLessThan(mean * 1.25)
      expect(Math.min(...sizes)).toBeGreaterThan(mean * 0.75)
      const files = readdirSync(join(base, 'out'))
        .filter((name) => name.endsWith('.dat'))
        .sort()
        .map((name) => join(base, 'out', name))
      expect(result(run(['validate', '--inputs', files.join(',')]))).toMatchObject({records: 300_000, unordered: 0})
    })
  }

  it('reads input in the page cache through it, and input that is not with O_DIRECT, with the same result', () => {
    const base = join(dir, 'cold-input')
    mkdirSync(join(base, 'work'), {recursive: true})
    writeSkewed(join(base, 'input.dat'))
    const sortOnce = (name: string) => {
      mkdirSync(join(base, name), {recursive: true})
      const sorted = result(
        run([
          'sort-node',
          ...['--index', '0', '--nodes', '1', '--inputs', join(base, 'input.dat'), '--work', join(base, 'work')],
          ...['--partitions', '4', '--output-dir', join(base, name), '--shuffle', 'memory'],
        ]),
      )
      const files = readdirSync(join(base, name))
        .filter((file) => file.endsWith('.dat'))
        .sort()
        .map((file) => join(base, name, file))
      expect(result(run(['validate', '--inputs', files.join(',')]))).toMatchObject({records: 300_000, unordered: 0})
      return {sorted, bytes: Buffer.concat(files.map((file) => readFileSync(file)))}
    }
    // Just written: in the page cache.
    const warm = sortOnce('warm')
    expect(warm.sorted.mapInputDirect).toBe(false)
    // Written back, then dropped from the cache (GNU dd's nocache flag advises DONTNEED for the file).
    execFileSync('sync')
    execFileSync('dd', [`if=${join(base, 'input.dat')}`, 'iflag=nocache', 'count=0'], {stdio: 'ignore'})
    const cold = sortOnce('cold')
    expect(cold.sorted.mapInputDirect).toBe(true)
    expect(cold.bytes.equals(warm.bytes)).toBe(true)
  })

  it('gives the same bytes through psync and io_uring, whose reads and writes skip the copy through the engine region', () => {
    // psync and io_uring read whole chunks straight into the destination and write whole chunks straight
    // from the source (O_DIRECT where aligned); the last, partial block and unaligned run segments still
    // go through the region. Small memory gives several runs, so reduce reads start mid-block.
    const outputs = ['psync', 'io_uring'].map((engine) => {
      const base = join(dir, `engines-${engine}`)
      mkdirSync(join(base, 'work'), {recursive: true})
      mkdirSync(join(base, 'out'), {recursive: true})
      writeSkewed(join(base, 'input.dat'))
      const sorted = result(
        run([
          'sort-node',
          ...['--index', '0', '--nodes', '1', '--inputs', join(base, 'input.dat'), '--work', join(base, 'work')],
          ...['--partitions', '5', '--output-dir', join(base, 'out'), '--shuffle', 'files'],
          ...['--memory', '20000000', '--engine', engine],
        ]),
      )
      expect(sorted).toMatchObject({records: 300_000, engine})
      const files = readdirSync(join(base, 'out'))
        .filter((name) => name.endsWith('.dat'))
        .sort()
        .map((name) => join(base, 'out', name))
      expect(result(run(['validate', '--inputs', files.join(',')]))).toMatchObject({records: 300_000, unordered: 0})
      return files.map((file) => readFileSync(file))
    })
    expect(outputs[0]!.length).toBe(5)
    expect(outputs[1]!.map((data) => data.length)).toEqual(outputs[0]!.map((data) => data.length))
    for (const [i, data] of outputs[0]!.entries()) expect(data.equals(outputs[1]![i]!)).toBe(true)
  })
})

describe('sort-node orchestration (core/sort_node.cc) and the worker command line', () => {
  it('names test-only steps test:<step>: the bare step names are not worker commands (sample and splitters are: graysort --impl duckdb runs them)', () => {
    for (const step of ['map', 'reduce', 'engine-check']) {
      const out = spawnSync(worker, [step, '--inputs', join(dir, 'none')], {encoding: 'utf8'})
      expect(out.status).toBe(2)
      expect(JSON.parse(out.stdout.trim())).toEqual({type: 'error', message: `unknown command ${step}`})
    }
  })

  it('--shuffle auto goes through files where freed memory returns to the host (virtio-balloon free page reporting), else memory', () => {
    const base = join(dir, 'auto-shuffle')
    mkdirSync(base, {recursive: true})
    run(['gen', '--count', '300000', '--output', join(base, 'input.dat')])
    // A virtio device tree like /sys/bus/virtio/devices: a balloon (0x0005) with its driver bound, whose
    // negotiated features have bit 5 (VIRTIO_BALLOON_F_REPORTING) set or not, beside a block device.
    const devices = (name: string, balloonFeatures: string | undefined) => {
      const root = join(base, name, 'virtio')
      mkdirSync(join(root, 'virtio0', 'driver'), {recursive: true})
      writeFileSync(join(root, 'virtio0', 'device'), '0x0002\n')
      writeFileSync(join(root, 'virtio0', 'features'), '0000011111'.padEnd(64, '0') + '\n')
      if (balloonFeatures !== undefined) {
        mkdirSync(join(root, 'virtio1', 'driver'), {recursive: true})
        writeFileSync(join(root, 'virtio1', 'device'), '0x0005\n')
        writeFileSync(join(root, 'virtio1', 'features'), balloonFeatures.padEnd(64, '0') + '\n')
      }
      return root
    }
    const sortWith = (name: string, virtio: string) => {
      mkdirSync(join(base, name, 'work'), {recursive: true})
      mkdirSync(join(base, name, 'out'), {recursive: true})
      return result(
        run([
          'sort-node',
          ...['--index', '0', '--nodes', '1', '--inputs', join(base, 'input.dat')],
          ...['--work', join(base, name, 'work'), '--partitions', '4', '--output-dir', join(base, name, 'out')],
          ...['--shuffle', 'auto', '--virtio-devices', virtio, '--memory', '40000000'],
        ]),
      )
    }
    // This project's Firecracker VMs: stats, deflate-on-OOM and free page reporting (bits 1, 2, 5).
    const reporting = sortWith('reporting', devices('reporting', '011001'))
    const noReporting = sortWith('no-reporting', devices('no-reporting', '011000'))
    const noBalloon = sortWith('no-balloon', devices('no-balloon', undefined))
    const noSysfs = sortWith('no-sysfs', join(base, 'nowhere'))
    expect(reporting).toMatchObject({shuffle: 'files', memoryReturnedToHost: true, records: 300_000})
    expect(noReporting).toMatchObject({shuffle: 'memory', memoryReturnedToHost: false, records: 300_000})
    expect(noBalloon).toMatchObject({shuffle: 'memory', memoryReturnedToHost: false})
    expect(noSysfs).toMatchObject({shuffle: 'memory', memoryReturnedToHost: false})
    // The files shuffle wrote map runs and their index; the in-memory one none.
    expect(readdirSync(join(base, 'reporting', 'work')).some((name) => name.endsWith('.idx'))).toBe(true)
    expect(readdirSync(join(base, 'no-reporting', 'work')).some((name) => name.endsWith('.idx'))).toBe(false)
    // Both outputs are the same sorted bytes.
    const concat = (name: string) =>
      Buffer.concat(
        readdirSync(join(base, name, 'out'))
          .sort()
          .map((file) => readFileSync(join(base, name, 'out', file))),
      )
    expect(concat('reporting').equals(concat('no-reporting'))).toBe(true)
    expect(concat('reporting').length).toBe(300_000 * 100)
  })

  it('refuses sort-node options that cannot work with exit code 2, before touching the work directory', () => {
    const base = join(dir, 'sort-node-usage')
    mkdirSync(join(base, 'work'), {recursive: true})
    const common = ['--inputs', join(base, 'in.dat'), '--work', join(base, 'work'), '--output-dir', base]
    const cases: Array<[string[], string]> = [
      [['--index', '2', '--nodes', '2', '--partitions', '4'], '--index must be below --nodes'],
      [
        ['--index', '0', '--nodes', '2', '--partitions', '4', '--shuffle', 'memory'],
        '--shuffle memory needs --nodes 1',
      ],
      [['--index', '0', '--nodes', '2', '--partitions', '4', '--shuffle', 'auto'], '--shuffle auto needs --nodes 1'],
      [
        ['--index', '0', '--nodes', '1', '--partitions', '4', '--shuffle', 'disk'],
        '--shuffle must be files, memory or auto',
      ],
      [['--index', '0', '--nodes', '1', '--partitions', '0'], '--partitions must be at least 1'],
    ]
    for (const [args, message] of cases) {
      const out = spawnSync(worker, ['sort-node', ...args, ...common], {encoding: 'utf8'})
      expect(out.status).toBe(2)
      expect(JSON.parse(out.stdout.trim())).toEqual({type: 'error', message})
    }
    expect(readdirSync(join(base, 'work'))).toEqual([])
  })

  it('an output file that cannot be created fails the sort naming it, with either shuffle, and leaves no writer hanging', () => {
    const input = join(dir, 'write-fail-in.dat')
    run(['gen', '--count', '20000', '--output', input])
    for (const shuffle of ['memory', 'files']) {
      const base = join(dir, `write-fail-${shuffle}`)
      mkdirSync(join(base, 'work'), {recursive: true})
      // part-00005.dat is a directory: the 6th of 8 outputs cannot be opened, while the 5th may still be in flight.
      mkdirSync(join(base, 'out', 'part-00005.dat'), {recursive: true})
      const started = Date.now()
      const out = spawnSync(
        worker,
        [
          'sort-node',
          '--index',
          '0',
          '--nodes',
          '1',
          '--inputs',
          input,
          '--work',
          join(base, 'work'),
          '--partitions',
          '8',
          '--output-dir',
          join(base, 'out'),
          '--shuffle',
          shuffle,
        ],
        {encoding: 'utf8', timeout: 60_000},
      )
      expect(Date.now() - started).toBeLessThan(60_000)
      expect(out.status).toBe(1)
      expect(JSON.parse(out.stdout.trim().split('\n').pop()!)).toEqual({
        type: 'error',
        message: `cannot create ${join(base, 'out', 'part-00005.dat')}: Is a directory`,
      })
      // The outputs before it were written whole.
      for (const index of [0, 1, 2, 3, 4])
        expect(readFileSync(join(base, 'out', `part-0000${index}.dat`)).length % 100).toBe(0)
    }
  })

  it('a node that fails leaves failed-<index> in the work directory, so the other nodes stop waiting', () => {
    const base = join(dir, 'sort-node-fail')
    mkdirSync(join(base, 'work'), {recursive: true})
    const args = (index: string, input: string) => [
      'sort-node',
      '--index',
      index,
      '--nodes',
      '2',
      '--inputs',
      input,
      '--work',
      join(base, 'work'),
      '--partitions',
      '4',
      '--output-dir',
      base,
      '--barrier-timeout',
      '60',
    ]
    // Node 1's input does not exist: it fails in its sample step and says so.
    const failed = spawnSync(worker, args('1', join(base, 'missing.dat')), {encoding: 'utf8'})
    expect(failed.status).toBe(1)
    expect(readdirSync(join(base, 'work'))).toContain('failed-1')
    // Node 0 waits for node 1's sample and stops at once on its failure marker, naming it.
    const input = join(base, 'in.dat')
    run(['gen', '--count', '1000', '--output', input])
    const started = Date.now()
    const waiting = spawnSync(worker, args('0', input), {encoding: 'utf8'})
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(waiting.status).toBe(1)
    expect(JSON.parse(waiting.stdout.trim().split('\n').pop()!)).toMatchObject({
      type: 'error',
      message: `stopped because another node failed (1: cannot open ${join(base, 'missing.dat')}: No such file or directory)`,
    })
  })
})
