/**
 * The worker protocol checked on both sides: argv from bench/worker-protocol.ts run by the real worker
 * binary, every line it prints accepted by the schemas; lines of another shape are refused with the line.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {
  decodeWorkerLine,
  fileSummaries,
  genResult,
  throughputResult,
  validateResult,
  WORKER_RESULTS,
} from '../../src/bench/worker-messages.js'
import {
  genArgv,
  throughputArgv,
  validateArgv,
  WorkerProtocolError,
  type WorkerMessage,
} from '../../src/bench/worker-protocol.js'
import {workerPath} from '../../src/native/index.js'
import type {z} from 'zod'

const dir = mkdtempSync(join(tmpdir(), '3fs-cli-worker-protocol-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function run<R extends z.ZodType>(args: string[], result: R): Array<WorkerMessage | z.infer<R>> {
  const outcome = spawnSync(workerPath(), args, {encoding: 'utf8'})
  expect(outcome.status, outcome.stderr).toBe(0)
  return outcome.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => decodeWorkerLine(line, result)!)
}

describe('worker protocol (real worker binary)', () => {
  it('gen and validate: argv from one module, every line accepted, file lines read as summaries', () => {
    const file = join(dir, 'input.dat')
    const gen = run(genArgv({start: 0, count: 1000, mode: 'binary', output: file, threads: 1}), genResult)
    expect(genResult.parse(gen.at(-1))).toMatchObject({records: 1000, bytes: 100_000})
    const missing = join(dir, 'missing.dat')
    const validate = run(validateArgv({inputs: [file, missing], threads: 1}), validateResult)
    const summaries = fileSummaries(validate as WorkerMessage[])
    expect(summaries[0]).toMatchObject({
      path: file,
      records: 1000,
      checksum: (gen.at(-1) as {checksum: string}).checksum,
    })
    // gensort's records are in random order: validate says so through the typed summary.
    expect(summaries[0]!.unordered).toBeGreaterThan(0)
    expect(summaries[1]!.path).toBe(missing)
    expect(summaries[1]!.error).toBeTruthy()
  })

  it('throughput: the result with its latency histogram and per-second bytes passes the schema', () => {
    const lines = run(
      throughputArgv({
        dir,
        rw: 'write',
        blockSize: 65_536,
        iodepth: 1,
        jobs: 1,
        size: 1 << 20,
        runtimeMs: 0,
        direct: false,
        engine: 'psync',
        keep: false,
      }),
      throughputResult,
    )
    const result = throughputResult.parse(lines.at(-1))
    expect(result.bytes).toBe(1 << 20)
    expect(result.engine).toBe('psync')
  })

  it('refuses a line whose fields do not match, naming the field and the line', () => {
    expect(() =>
      decodeWorkerLine('{"type":"result","records":"ten","bytes":1,"checksum":"ab","seconds":1}', genResult),
    ).toThrow(WorkerProtocolError)
    expect(() =>
      decodeWorkerLine('{"type":"progress","phase":"gen","bytesDone":-1,"bytesTotal":2}', genResult),
    ).toThrow(/bytesDone/)
    expect(() => decodeWorkerLine('{"records":1}', genResult)).toThrow(/no "type"/)
    // Not JSON: not part of the protocol (the worker logs to stderr, but a stray line must not end a run).
    expect(decodeWorkerLine('hello', genResult)).toBeUndefined()
  })
})

describe('runWorker', () => {
  it('a result line that does not match the named kind fails the run with the line', async () => {
    const {LocalHost} = await import('../../src/remote/local-host.js')
    const {runWorker} = await import('../../src/bench/worker.js')
    await expect(
      runWorker({
        host: new LocalHost({name: 'local', commandTimeoutMs: 10_000}),
        binary: 'sh',
        args: ['-c', `echo '{"type":"result","keys":"many"}'`],
        phase: 'sample',
        result: 'sample',
      }),
    ).rejects.toThrow(/sample phase: the worker printed a line this version does not understand \(keys/)
    expect(Object.keys(WORKER_RESULTS).sort()).toEqual(
      ['any', 'gen', 'sample', 'sortNode', 'splitters', 'throughput', 'validate'].sort(),
    )
  })
})
