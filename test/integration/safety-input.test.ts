/**
 * Issue 15 #12/#13, through the built CLI on this machine: wrong sizes, record numbers, checksums and paths
 * are usage errors (exit 2) caught before any data is written or any node is probed; inputs that never end
 * (/dev/zero, /proc) do not hang; `bench clean` lists and removes only marked run directories.
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

const scratch = () => mkdtempSync(join(tmpdir(), '3fs-cli-input-'))

/** A valid cluster.yml whose only node is a closed loopback port: any probe would fail, none may happen. */
function closedCluster(dir: string, extra: Record<string, string> = {}): string {
  let text = `name: t
nodes:
  - {name: a, host: 127.0.0.1, port: 9, username: root}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a], db: "3fs", user: default}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a], diskType: dir, replicationFactor: 1}
  client: {nodes: [a], hostMountpoint: /3fs}
ssh: {connectTimeout: 2s, useAgent: false}
`
  for (const [from, to] of Object.entries(extra)) text = text.replace(from, to)
  const file = join(dir, 'cluster.yml')
  writeFileSync(file, text)
  return file
}

describe('sizes and counts are checked at parse time, before anything is generated', () => {
  it.each([
    [['bench', 'throughput', '--bs', '0', '--size', '1MiB'], /--bs 0 is too small: at least 1 byte/],
    [['bench', 'throughput', '--size', '0'], /--size 0 is too small/],
    [['bench', 'throughput', '--size', '9PiB'], /--size 9PiB is too large: at most 9007199254740991 bytes \(8 PiB\)/],
    [['bench', 'graysort', 'run', '--size', '0'], /--size 0 is too small: at least 100 bytes/],
    [['bench', 'graysort', 'run', '--size', '99'], /--size 99 is too small: at least 100 bytes/],
    [['bench', 'graysort', 'run', '--size', '1.5'], /--size 1.5 is not a whole number of bytes/],
    [['bench', 'graysort', 'run', '--size', '18446744073709551616B'], /--size 18446744073709551616B is too large/],
    [['bench', 'graysort', 'run', '--size', '9PiB'], /--size 9PiB is too large/],
    [
      ['bench', 'graysort', 'run', '--records', '18446744073709551615'],
      /--records is out of range: 1 to 90071992547409 records/,
    ],
    [['bench', 'graysort', 'run', '--records', '90071992547410'], /--records 90071992547410 is out of range/],
  ])('%j is exit 2 with the limit, and the --dir stays empty', async (args, message) => {
    const dir = scratch()
    const result = await runCli([...args, '--dir', dir, '--json'], {timeoutMs: 60_000})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toMatch(message)
    expect(result.stderr).not.toContain('Bug in 3fs-cli')
    expect(readdirSync(dir)).toEqual([])
  })

  it('gen -o "" is refused as empty, not written into the working directory', async () => {
    const cwd = scratch()
    const result = await runCli(['bench', 'graysort', 'gen', '--records', '10', '-o', '', '--json'], {cwd})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toBe('--output is empty')
    expect(readdirSync(cwd)).toEqual([])
  })

  it('--start is exact up to 2^64 - 1 (no float rounding), and a range past it is refused', async () => {
    const dir = scratch()
    const last = await runCli([
      'bench',
      'graysort',
      'gen',
      '--start',
      '18446744073709551615',
      '--records',
      '1',
      '-o',
      join(dir, 'last.dat'),
      '--json',
    ])
    expect(last.exitCode).toBe(0)
    const pair = await runCli([
      'bench',
      'graysort',
      'gen',
      '--start',
      '18446744073709551614',
      '--records',
      '2',
      '-o',
      join(dir, 'pair.dat'),
      '--json',
    ])
    expect(pair.exitCode).toBe(0)
    // Record 2^64 - 1 is the second record of the pair: the same 100 bytes, so neither start was rounded.
    expect(readFileSync(join(dir, 'pair.dat')).subarray(100)).toEqual(readFileSync(join(dir, 'last.dat')))
    expect(readFileSync(join(dir, 'pair.dat')).subarray(0, 100)).not.toEqual(readFileSync(join(dir, 'last.dat')))
    const past = await runCli([
      'bench',
      'graysort',
      'gen',
      '--start',
      '18446744073709551615',
      '--records',
      '2',
      '-o',
      join(dir, 'past.dat'),
      '--json',
    ])
    expect(past.exitCode).toBe(2)
    expect(past.json.error.message).toContain('passes record number 2^64 - 1')
    expect(existsSync(join(dir, 'past.dat'))).toBe(false)
    const huge = await runCli([
      'bench',
      'graysort',
      'gen',
      '--records',
      '18446744073709551615',
      '-o',
      join(dir, 'huge.dat'),
      '--json',
    ])
    expect(huge.exitCode).toBe(2)
    expect(existsSync(join(dir, 'huge.dat'))).toBe(false)
    const negative = await runCli([
      'bench',
      'graysort',
      'gen',
      '--start',
      '-1',
      '--records',
      '2',
      '-o',
      join(dir, 'neg.dat'),
      '--json',
    ])
    expect(negative.exitCode).toBe(2)
  })

  it('--expect-checksum must be a hex checksum', async () => {
    const dir = scratch()
    expect((await runCli(['bench', 'graysort', 'gen', '--records', '100', '-o', join(dir, 'in.dat')])).exitCode).toBe(0)
    const result = await runCli([
      'bench',
      'graysort',
      'validate',
      join(dir, 'in.dat'),
      '--expect-checksum',
      'zz',
      '--json',
      '--out',
      join(dir, 'result.json'),
    ])
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toBe('--expect-checksum zz is not a checksum')
  })
})

describe('status captures', () => {
  it.each(['/proc/self', '/etc'])(
    'status --from %s is "not a capture" (exit 2), not a DEGRADED verdict',
    async (dir) => {
      const result = await runCli(['status', '--from', dir, '--json'], {timeoutMs: 30_000})
      expect(result.exitCode).toBe(2)
      expect(result.json.error.message).toContain('is not a status capture')
    },
  )

  it('a FIFO inside a capture is a fault of that file, not a hang', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'capture.json'), '{"capturedAt": "2026-01-01T00:00:00Z", "tool": "3fs-cli"}\n')
    const {execFileSync} = await import('node:child_process')
    execFileSync('mkfifo', [join(dir, 'layout.json')])
    const result = await runCli(['status', '--from', dir, '--json'], {timeoutMs: 30_000})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain('layout.json: not a regular file')
  })

  it.each([
    ['/proc/nope', /cannot be made/],
    ['/etc/passwd', /exists and is not a directory/],
    ['/etc', /is not empty/],
  ])('status --capture %s is refused before any node is probed', async (capture, message) => {
    const config = closedCluster(scratch())
    const result = await runCli(['status', '-c', config, '--capture', capture, '--json'], {timeoutMs: 30_000})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toMatch(message)
  })
})

describe('upload checks its source and target before anything is sent', () => {
  it.each([
    [['/dev/zero', '/opt/3fs/zero'], /\/dev\/zero is not a regular file or directory/],
    [['SOURCE', '/'], /target \/ is the root directory/],
    [['SOURCE', '/opt/../'], /is the root directory/],
    [['SOURCE', '/opt/3fs/a\nb'], /contains a control character/],
    [['SOURCE', 'relative/path'], /is not an absolute path/],
  ])('upload %j is exit 2', async ([source, target], message) => {
    const dir = scratch()
    writeFileSync(join(dir, 'plain.txt'), 'hello\n')
    const config = closedCluster(dir)
    const result = await runCli(
      ['upload', '-c', config, '--json', source === 'SOURCE' ? join(dir, 'plain.txt') : source!, target!],
      {timeoutMs: 30_000},
    )
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toMatch(message)
  })
})

describe('names that reach a shell, SQL or a file: exit 2 naming file, line and key', () => {
  it.each([
    ['user: default', 'user: "a\\nCLICKHOUSE_PASSWORD=x"', 'services.clickhouse.user', 6],
    ['host: 127.0.0.1', 'host: "127.0.0.1; id"', 'nodes[0].host', 3],
    ['host: 127.0.0.1', 'host: "$(id)"', 'nodes[0].host', 3],
    ['username: root', 'username: "root;id"', 'nodes[0].username', 3],
    ['{name: a,', '{name: "a\\0b",', 'nodes[0].name', 3],
  ])('%s -> %s', async (from, to, path, line) => {
    const config = closedCluster(scratch(), {[from]: to})
    const result = await runCli(['config', 'validate', '-c', config, '--json'])
    expect(result.exitCode).toBe(2)
    expect(result.json.error.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({path, line, file: expect.stringContaining('cluster.yml')})]),
    )
  })
})

describe('bench clean (this machine)', () => {
  function leftovers(): {dir: string; run: string} {
    const dir = scratch()
    const run = join(dir, '3fs-cli-graysort-AbC123')
    mkdirSync(join(run, 'input'), {recursive: true})
    writeFileSync(join(run, '.3fs-cli-run'), '3fs-cli-graysort-AbC123\n')
    writeFileSync(join(run, 'input', 'input-00000.dat'), Buffer.alloc(4096))
    // Not ours: a marker naming another directory, a run-like name without marker, a symlink to a run.
    mkdirSync(join(dir, '3fs-cli-graysort-forged'))
    writeFileSync(join(dir, '3fs-cli-graysort-forged', '.3fs-cli-run'), '3fs-cli-graysort-AbC123\n')
    mkdirSync(join(dir, 'run-20260101T000000-deadbeef'))
    writeFileSync(join(dir, 'run-20260101T000000-deadbeef', 'dataset.parquet'), 'precious\n')
    symlinkSync(run, join(dir, 'run-link'))
    writeFileSync(join(dir, 'notes.txt'), 'precious\n')
    return {dir, run}
  }

  it('lists only marked run directories and removes nothing without --remove', async () => {
    const {dir, run} = leftovers()
    const result = await runCli(['bench', 'clean', '--dir', dir, '--json'])
    expect(result.exitCode).toBe(0)
    expect(result.json.runs.map((entry: any) => entry.dir)).toEqual([run])
    expect(result.json.runs[0].bytes).toBeGreaterThanOrEqual(4096)
    expect(result.json.removed).toBe(0)
    expect(existsSync(run)).toBe(true)
  })

  it('--remove removes exactly the marked run directories', async () => {
    const {dir, run} = leftovers()
    const result = await runCli(['bench', 'clean', '--dir', dir, '--remove', '--json'])
    expect(result.exitCode).toBe(0)
    expect(result.json.removed).toBe(1)
    expect(existsSync(run)).toBe(false)
    expect(readdirSync(dir).sort()).toEqual([
      '3fs-cli-graysort-forged',
      'notes.txt',
      'run-20260101T000000-deadbeef',
      'run-link',
    ])
    expect(readFileSync(join(dir, 'run-20260101T000000-deadbeef', 'dataset.parquet'), 'utf8')).toBe('precious\n')
  })
})

describe('found by the fuzz suite (npm run fuzz): exit 2 naming the input, not "Bug in 3fs-cli"', () => {
  it.each([
    [['bench', 'engines', '--dir', '-0'], /--dir -0 is not an existing directory/],
    [['bench', 'engines', '--dir', '/proc/self'], /no engine can write in \/proc\/self/],
    [['deploy', '-c', 'CONFIG', '--plan', '--artifact', 'NaN'], /--artifact NaN does not exist/],
    [['deploy', '-c', 'CONFIG', '--plan', '--artifact', '/dev/zero'], /--artifact \/dev\/zero is not a regular file/],
    [['config', 'schema', '--output', 'DIR'], /is not a regular file \(a directory\)/],
  ])('%j', async (args, message) => {
    const dir = scratch()
    const config = closedCluster(dir)
    const result = await runCli(
      [...args.map((arg) => (arg === 'CONFIG' ? config : arg === 'DIR' ? dir : arg)), '--json'],
      {timeoutMs: 30_000},
    )
    expect(result.exitCode).toBe(2)
    expect(result.stderr).not.toContain('Bug in 3fs-cli')
    expect(result.json.error.message).toMatch(message)
  })

  it('config schema --output never replaces a file that is not an earlier schema, unless --force', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'notes.txt'), 'precious\n')
    const refused = await runCli(['config', 'schema', '--output', join(dir, 'notes.txt'), '--json'])
    expect(refused.exitCode).toBe(2)
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('precious\n')
    expect((await runCli(['config', 'schema', '--output', join(dir, 'schema.json')])).exitCode).toBe(0)
    expect((await runCli(['config', 'schema', '--output', join(dir, 'schema.json')])).exitCode).toBe(0)
    expect((await runCli(['config', 'schema', '--output', join(dir, 'notes.txt'), '--force'])).exitCode).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 'notes.txt'), 'utf8')).title).toBe('3fs-cli cluster.yml')
  })
})

describe('gen never replaces a file silently', () => {
  it('refuses an existing output file or per-node file (naming it) and replaces it only with --force', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'notes.txt'), 'precious\n')
    const file = await runCli(['bench', 'graysort', 'gen', '--records', '10', '-o', join(dir, 'notes.txt'), '--json'])
    expect(file.exitCode).toBe(2)
    expect(file.json.error.message).toBe(`${join(dir, 'notes.txt')} already exists: gen does not replace files`)
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('precious\n')
    mkdirSync(join(dir, 'data'))
    writeFileSync(join(dir, 'data', 'input-00000.dat'), 'precious\n')
    const perNode = await runCli([
      'bench',
      'graysort',
      'gen',
      '--records',
      '10',
      '-o',
      `${join(dir, 'data')}/`,
      '--json',
    ])
    expect(perNode.exitCode).toBe(2)
    expect(readFileSync(join(dir, 'data', 'input-00000.dat'), 'utf8')).toBe('precious\n')
    const forced = await runCli([
      'bench',
      'graysort',
      'gen',
      '--records',
      '10',
      '-o',
      join(dir, 'notes.txt'),
      '--force',
      '--json',
    ])
    expect(forced.exitCode).toBe(0)
    expect(readFileSync(join(dir, 'notes.txt'))).toHaveLength(1000)
  })
})

describe('a damaged deploy record is refused, never taken for "not deployed yet"', () => {
  it('deploy --plan exits 1 naming the record and what to do; nothing is connected to', async () => {
    const dir = scratch()
    const config = closedCluster(dir)
    mkdirSync(join(dir, '.3fs-cli'))
    const record = join(dir, '.3fs-cli', 't.state.json')
    writeFileSync(record, '{"cluster": "t", "applied": {}, "layout": ')
    const result = await runCli(['deploy', '-c', config, '--plan', '--json'], {timeoutMs: 30_000})
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toContain(`the deploy record ${record} is damaged`)
    expect(result.json.error.next.join(' ')).toContain('restore it from a backup')
    // Read before any node was asked: the closed port was never tried.
    expect(result.stderr + JSON.stringify(result.json)).not.toMatch(/ECONNREFUSED|unreachable/)
    expect(readFileSync(record, 'utf8')).toBe('{"cluster": "t", "applied": {}, "layout": ')
  })
})

describe('destroy --wipe-disks on a cluster without NVMe disks', () => {
  it('is refused with exit 2 (it used to do nothing and report success)', async () => {
    const config = closedCluster(scratch())
    const result = await runCli(['destroy', '-c', config, '--wipe-disks', '--yes', '--json'], {timeoutMs: 30_000})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain('services.storage.diskType: dir: there are no disks to wipe')
    expect(result.json.error.next[0]).toContain('--purge-data')
  })
})
