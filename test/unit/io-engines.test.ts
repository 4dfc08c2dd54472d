/**
 * The native I/O engines through the worker, on real files: data written through each engine reads
 * back intact, and throughput runs report what ran. usrbio on a fuse.hf3fs mount with its TEST DOUBLE
 * library is in test/integration/usrbio.test.ts (it needs root and FUSE).
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {workerPath} from '../../src/native/index.js'

const dir = mkdtempSync(join(tmpdir(), '3fs-cli-engines-'))

function worker(args: string[], env: Record<string, string> = {}) {
  const out = spawnSync(workerPath(), args, {encoding: 'utf8', env: {...process.env, ...env}})
  const lines = out.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
  return {
    status: out.status,
    result: lines.find((line) => line.type === 'result'),
    error: lines.find((line) => line.type === 'error'),
  }
}

describe('I/O engines', () => {
  for (const engine of ['psync', 'io_uring']) {
    it(`${engine}: writes in shuffled order, reads back in another, every byte intact (O_DIRECT)`, () => {
      const out = worker([
        'test:engine-check',
        '--dir',
        dir,
        '--engine',
        engine,
        '--blocks',
        '512',
        '--bs',
        '65536',
        '--iodepth',
        '16',
      ])
      expect(out.status).toBe(0)
      expect(out.result).toEqual({type: 'result', engine, engineNote: '', blocks: 512, verified: true})
    })
  }

  it('auto picks io_uring off a 3FS mount and says which engine ran and why', () => {
    const out = worker(['test:engine-check', '--dir', dir, '--engine', 'auto'])
    expect(out.result.engine).toBe('io_uring')
    expect(out.result.engineNote).toMatch(
      /^not usrbio: .* is not on 3FS \(fstype \S+ at \S+, not fuse\.hf3fs\); io_uring$/,
    )
  })

  it('usrbio without the library is a run-time message with the fix, not a load failure', () => {
    const out = worker([
      'test:engine-check',
      '--dir',
      dir,
      '--engine',
      'usrbio',
      '--usrbio-lib',
      '/nonexistent/libhf3fs_api_shared.so',
    ])
    expect(out.status).toBe(1)
    expect(out.error.message).toMatch(
      /^usrbio needs libhf3fs_api_shared\.so from a 3FS build: .*No such file.*; pass --usrbio-lib PATH or set THREEFS_USRBIO_LIB$/,
    )
  })

  for (const [engine, extra, env] of [
    ['io_uring', [], {}],
    ['psync', [], {}],
  ] as const) {
    it(`throughput through ${engine} reports bytes, IOPS and latency percentiles`, () => {
      const out = worker(
        [
          'throughput',
          '--dir',
          dir,
          '--engine',
          engine,
          '--rw',
          'randwrite',
          '--bs',
          '4096',
          '--iodepth',
          '8',
          '--jobs',
          '2',
          '--size',
          String(8 << 20),
          ...extra,
        ],
        env,
      )
      expect(out.status, JSON.stringify(out.error)).toBe(0)
      const result = out.result
      expect(result.engine).toBe(engine)
      // Size-based: each of the 2 jobs moves its 8 MiB once.
      expect(result.bytes).toBe(2 * (8 << 20))
      expect(result.ios).toBe((2 * (8 << 20)) / 4096)
      expect(result.latencyP50Us).toBeGreaterThan(0)
      expect(result.latencyP99Us).toBeGreaterThanOrEqual(result.latencyP50Us)
      expect(result.latencyP999Us).toBeGreaterThanOrEqual(result.latencyP99Us)
      expect(result.bytesPerSecond.reduce((sum: number, bytes: number) => sum + bytes, 0)).toBe(result.bytes)
    })
  }

  it('refuses a block size direct I/O cannot use', () => {
    const out = worker(['throughput', '--dir', dir, '--bs', '1000', '--size', '100000'])
    expect(out.status).toBe(1)
    expect(out.error.message).toBe('direct I/O needs --bs to be a multiple of 4096')
  })
})
