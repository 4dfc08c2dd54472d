/**
 * runWorker loads the worker's message schemas (zod) only once the worker has started; lines the worker
 * prints before they are there wait for them. Here the schemas are held back until the stand-in worker (sh)
 * has printed all its lines and exited, so every line takes the waiting path.
 */
import {afterEach, describe, expect, it, vi} from 'vitest'

afterEach(() => {
  vi.doUnmock('../../src/bench/worker-messages.js')
  vi.resetModules()
})

describe('runWorker with the schemas still loading', () => {
  it('decodes the lines printed before the schemas loaded, in order, progress and messages included', async () => {
    vi.resetModules()
    let releaseSchemas!: () => void
    const held = new Promise<void>((resolve) => (releaseSchemas = resolve))
    vi.doMock('../../src/bench/worker-messages.js', async () => {
      await held
      return vi.importActual('../../src/bench/worker-messages.js')
    })
    const {LocalHost} = await import('../../src/remote/local-host.js')
    const {runWorker} = await import('../../src/bench/worker.js')
    const progress: number[] = []
    const others: string[] = []
    const running = runWorker({
      host: new LocalHost({name: 'local', commandTimeoutMs: 10_000}),
      binary: 'sh',
      args: [
        '-c',
        [
          `echo '{"type":"progress","phase":"gen","bytesDone":1,"bytesTotal":3}'`,
          `echo '{"type":"phase","phase":"gen","seconds":0.5}'`,
          `echo '{"type":"progress","phase":"gen","bytesDone":3,"bytesTotal":3}'`,
          `echo '{"type":"result","records":3,"bytes":300,"checksum":"ab","seconds":0.5}'`,
        ].join('; '),
      ],
      phase: 'gen',
      result: 'gen',
      onProgress: (p) => progress.push(p.bytesDone),
      onMessage: (m) => others.push(m.type),
    })
    // The stand-in has long printed everything; nothing is decoded while the schemas are held.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(progress).toEqual([])
    releaseSchemas()
    const {result, lines} = await running
    expect(progress).toEqual([1, 3])
    expect(others).toEqual(['phase'])
    expect(result).toMatchObject({records: 3, bytes: 300, checksum: 'ab'})
    expect(lines.map((line) => line.type)).toEqual(['progress', 'phase', 'progress', 'result'])
  })

  it('a malformed early line still fails the run once the schemas are there, naming the line', async () => {
    vi.resetModules()
    vi.doMock('../../src/bench/worker-messages.js', async () => {
      await new Promise((resolve) => setTimeout(resolve, 200))
      return vi.importActual('../../src/bench/worker-messages.js')
    })
    const {LocalHost} = await import('../../src/remote/local-host.js')
    const {runWorker} = await import('../../src/bench/worker.js')
    await expect(
      runWorker({
        host: new LocalHost({name: 'local', commandTimeoutMs: 10_000}),
        binary: 'sh',
        args: [
          '-c',
          `echo '{"type":"progress","phase":"gen","bytesDone":-1,"bytesTotal":3}'; echo '{"type":"result","records":1,"bytes":100,"checksum":"ab","seconds":1}'`,
        ],
        phase: 'gen',
        result: 'gen',
      }),
    ).rejects.toThrow(/gen phase: the worker printed a line this version does not understand \(bytesDone/)
  })
})
