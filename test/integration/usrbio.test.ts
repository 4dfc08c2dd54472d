/**
 * usrbio on a real FUSE mount of type fuse.hf3fs (bindfs -o subtype=hf3fs) with the TEST DOUBLE of
 * libhf3fs_api_shared.so (test/native/usrbio_double.cc), which follows 3FS's src/lib/api/UsrbIo.cc at
 * commit ee9a5ce. What this cannot show: the real fuse daemon (its ioctl, RDMA, batching, limits).
 * Needs root and FUSE; under CI it fails rather than skips when it cannot mount.
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'
import {
  hf3fsMountAvailable,
  mountHf3fs,
  usrbioContractProbe,
  usrbioDouble,
  type Hf3fsMount,
} from '../helpers/usrbio-double.js'
import {workerPath} from '../../src/native/index.js'

const available = hf3fsMountAvailable()

function shmFiles(): string[] {
  return readdirSync('/dev/shm').filter((name) => name.startsWith('hf3fs-iov-'))
}

function ringLog(path: string): {read: number; write: number} {
  const totals = {read: 0, write: 0}
  let text = ''
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return totals
  }
  for (const line of text.trim().split('\n').filter(Boolean)) {
    const [, direction, bytes] = /^ring (r|w) ios=\d+ bytes=(\d+)$/.exec(line)!
    totals[direction === 'r' ? 'read' : 'write'] += Number(bytes)
  }
  return totals
}

describe.skipIf(!available)('usrbio on a fuse.hf3fs mount, TEST DOUBLE library', () => {
  let mount: Hf3fsMount
  let lib: string
  let deep: string
  const off = mkdtempSync(join(tmpdir(), '3fs-cli-off-3fs-'))

  function worker(args: string[], env: Record<string, string> = {}) {
    const out = spawnSync(workerPath(), args, {
      encoding: 'utf8',
      env: {...process.env, THREEFS_USRBIO_LIB: lib, ...env},
    })
    const lines = out.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
    return {
      status: out.status,
      result: lines.find((line) => line.type === 'result'),
      error: lines.find((line) => line.type === 'error'),
      stderr: out.stderr,
    }
  }

  beforeAll(() => {
    lib = usrbioDouble()
    mount = mountHf3fs()
    deep = join(mount.root, 'a', 'b')
    mkdirSync(deep, {recursive: true})
  })

  afterAll(() => {
    mount?.unmount()
    rmSync(off, {recursive: true, force: true})
  })

  it('the double behaves as UsrbIo.cc at ee9a5ce (probe of every checked behaviour)', () => {
    const out = execFileSync(usrbioContractProbe(), [lib, mount.root, off], {encoding: 'utf8'})
    expect(JSON.parse(out)).toEqual({
      isHf3fsOnMount: 1,
      isHf3fsOff: 0,
      extractLength: mount.root.length + 1, // :97-100
      extractIsRoot: 1,
      extractOff: -1, // :104
      regReturnsMinusDup: 1, // -dupfd, :572-593
      regAgain: 22, // EINVAL, positive: :562-563
      dupClosedByDereg: 1,
      regNon3fs: 9, // EBADF, positive: :559-561
      sameNumber: 1,
      regReusedNumber: 22, // closed before dereg: dereg ignored it (:597-600), the number stays taken
      leakedDupOpen: 1,
      iovOnSubdir: -2, // no <dir>/3fs-virt/iovs: symlink fails ENOENT (:145-157)
      iovOnRoot: 0,
      iovTrailingSlash: 0, // "<root>//3fs-virt/iovs/..." works
      iovLongMount: -22, // :122-125
      iorOnSubdir: -2,
      iorNegativeTimeout: -22, // :485-487
      prepWriteOnReadRing: -22, // EINVAL, not EACCES: :624
      prepLengthZero: -22,
      prepOutsideIov: -22,
      prepUnregistered: -9, // :630-632
      prepReadOnWriteOnlyFd: -13, // EACCES is the fd's access mode: :634-637
      waitNothingPastDeadline: 0, // :748-752
      waitNoRoom: -22, // :686-688
      prepared: 16,
      prepRingFull: -11, // EAGAIN: :642-645
      submit: 0,
      completed: 16,
      completedBytes: 16 * 4096,
      completedInOrder: 0, // out of order
    })
  })

  it('auto picks usrbio on a directory below the mount and finds the mount root itself', () => {
    const out = worker(['test:engine-check', '--dir', deep, '--engine', 'auto', '--blocks', '300', '--iodepth', '24'])
    expect(out.status, JSON.stringify(out.error)).toBe(0)
    expect(out.result).toMatchObject({engine: 'usrbio', verified: true})
    expect(out.result.engineNote).toBe(`usrbio: ${deep} is on the fuse.hf3fs mount ${mount.root}`)
  })

  it('auto does not pick usrbio off 3FS, and says why', () => {
    const out = worker(['test:engine-check', '--dir', off, '--engine', 'auto'])
    expect(out.result.engine).toBe('io_uring')
    expect(out.result.engineNote).toMatch(
      new RegExp(`^not usrbio: ${off} is not on 3FS \\(fstype \\S+ at \\S+, not fuse\\.hf3fs\\); io_uring$`),
    )
  })

  it('--mount on a subdirectory fails at iov creation with ENOENT and names the missing 3fs-virt/iovs', () => {
    const sub = join(mount.root, 'a')
    const out = worker(['test:engine-check', '--dir', deep, '--engine', 'usrbio', '--mount', sub])
    expect(out.status).toBe(1)
    expect(out.error.message).toBe(
      `hf3fs_iovcreate on ${sub} failed: No such file or directory (2) (is ${sub} the 3FS mount point itself? it needs ${sub}/3fs-virt/iovs)`,
    )
  })

  it('a file off 3FS is refused at registration: hf3fs_reg_fd returns a POSITIVE errno (EBADF)', () => {
    const out = worker(['test:engine-check', '--dir', off, '--engine', 'usrbio', '--mount', mount.root])
    expect(out.status).toBe(1)
    expect(out.error.message).toBe('hf3fs_reg_fd failed: Bad file descriptor (9) (is the file on the 3FS mount?)')
  })

  it('many jobs load the library at once (one instance, no dangling reference) and all run usrbio', () => {
    const ok = worker([
      'throughput',
      '--dir',
      deep,
      '--usrbio-lib',
      lib,
      '--rw',
      'randwrite',
      '--bs',
      '4096',
      '--iodepth',
      '4',
      '--jobs',
      '24',
      '--size',
      String(1 << 20),
    ])
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.result).toMatchObject({engine: 'usrbio', bytes: 24 << 20})
    expect(ok.result.engineNote).toBe(`usrbio: ${deep} is on the fuse.hf3fs mount ${mount.root}`)
  })

  it('a worker killed with SIGKILL mid-run leaves no iov shared memory in /dev/shm', async () => {
    const before = new Set(shmFiles())
    const child = spawn(
      workerPath(),
      [
        'throughput',
        '--dir',
        deep,
        '--rw',
        'write',
        '--bs',
        '65536',
        '--iodepth',
        '16',
        '--jobs',
        '2',
        '--size',
        String(64 << 20),
        '--runtime-ms',
        '30000',
      ],
      {env: {...process.env, THREEFS_USRBIO_LIB: lib}, stdio: ['ignore', 'pipe', 'pipe']},
    )
    await new Promise<void>((resolve, reject) => {
      let seen = ''
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        if (seen.includes('"phase":"run"')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it ran: ${seen}`)))
    })
    const exited = new Promise((resolve) => child.on('exit', resolve))
    child.kill('SIGKILL')
    await exited
    const next = worker([
      'throughput',
      '--dir',
      deep,
      '--rw',
      'write',
      '--bs',
      '65536',
      '--iodepth',
      '4',
      '--size',
      String(4 << 20),
    ])
    expect(next.result.engine).toBe('usrbio')
    expect(shmFiles().filter((name) => !before.has(name))).toEqual([])
  })

  it('bench engines --dir <mount>/a/b: auto uses usrbio', async () => {
    const result = await runCli(['bench', 'engines', '--dir', deep, '--usrbio-lib', lib, '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.engines.map((probe: any) => [probe.engine, probe.works])).toEqual([
      ['usrbio', true],
      ['io_uring', true],
      ['psync', true],
    ])
    expect(result.json).toMatchObject({
      auto: 'usrbio',
      autoReason: `usrbio: ${deep} is on the fuse.hf3fs mount ${mount.root}`,
    })
    const text = await runCli(['bench', 'engines', '--dir', deep, '--usrbio-lib', lib])
    expect(text.stdout).toContain(`auto uses usrbio in ${deep}`)
  })

  it('bench throughput on the mount, no --engine and no --mount: usrbio, every byte through the rings', async () => {
    const log = join(off, 'throughput-rings.log')
    const result = await runCli(
      [
        'bench',
        'throughput',
        '--dir',
        deep,
        '--usrbio-lib',
        lib,
        '--rw',
        'write',
        '--bs',
        '64KiB',
        '--size',
        '16MiB',
        '--json',
      ],
      {env: {USRBIO_DOUBLE_LOG: log}},
    )
    expect(result.exitCode, result.stdout + result.stderr).toBe(0)
    expect(result.json.engine).toBe('usrbio')
    expect(result.json.nodes[0]).toMatchObject({engine: 'usrbio', bytes: 16 << 20})
    expect(ringLog(log)).toEqual({read: 0, write: 16 << 20})
  })

  it('bench throughput off 3FS with the library at hand: not usrbio', async () => {
    const result = await runCli([
      'bench',
      'throughput',
      '--dir',
      off,
      '--usrbio-lib',
      lib,
      '--rw',
      'write',
      '--bs',
      '64KiB',
      '--size',
      '4MiB',
      '--json',
    ])
    expect(result.exitCode).toBe(0)
    expect(result.json.engine).toBe('io_uring')
  })

  it('bench graysort run on the mount, no --engine and no --mount: usrbio for the sort, bytes through the rings', async () => {
    const log = join(off, 'graysort-rings.log')
    const result = await runCli(
      [
        'bench',
        'graysort',
        'run',
        '--records',
        '200000',
        '--shuffle',
        'files',
        '--dir',
        deep,
        '--usrbio-lib',
        lib,
        '--json',
      ],
      {env: {USRBIO_DOUBLE_LOG: log}, timeoutMs: 240_000},
    )
    expect(result.exitCode, result.stdout + result.stderr).toBe(0)
    expect(result.json).toMatchObject({verdict: 'PASS', engine: 'usrbio', records: 200000})
    // 20 MB of records: the map reads the input and writes its runs, the reduce reads the runs and
    // writes the output, all through the rings (a few blocks more for O_DIRECT padding).
    const rings = ringLog(log)
    expect(rings.read).toBeGreaterThanOrEqual(2 * 20_000_000)
    expect(rings.read).toBeLessThan(2 * 20_000_000 + (1 << 20))
    expect(rings.write).toBeGreaterThanOrEqual(2 * 20_000_000)
    expect(rings.write).toBeLessThan(2 * 20_000_000 + (1 << 20))
  })
})
