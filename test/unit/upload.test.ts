/**
 * Uploads through a local Host (the same code serves SSH nodes): the checksum skip honours the file
 * mode, a transfer whose content changes on the way fails without touching the target, a stalled
 * transfer times out, and the worker binary ends up executable whatever was there before.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough, Readable} from 'node:stream'
import {createHash} from 'node:crypto'

import {afterAll, describe, expect, it} from 'vitest'

import {ensureWorker} from '../../src/bench/worker.js'
import {workerPath} from '../../src/native/index.js'
import {RemoteError} from '../../src/remote/errors.js'
import type {Host, RunOptions} from '../../src/remote/host.js'
import {LocalHost} from '../../src/remote/local-host.js'
import {uploadPath} from '../../src/remote/upload.js'

const host = new LocalHost({name: 'local', commandTimeoutMs: 10_000})
const work = mkdtempSync(join(tmpdir(), '3fs-cli-upload-unit-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

function mode(path: string): string {
  return (statSync(path).mode & 0o7777).toString(8)
}

/** A host whose commands run locally, with a hook that may change a command's options (stdin) or answer it. */
function wrapped(
  change: (command: string, options: RunOptions) => RunOptions | {answer: string; exitCode?: number},
  isLocal = true,
): Host {
  return {
    name: 'wrapped',
    address: 'wrapped',
    isLocal,
    run: async (command, options = {}) => {
      const changed = change(String(command), options)
      if ('answer' in changed)
        return {
          node: 'wrapped',
          command: String(command),
          exitCode: changed.exitCode ?? 0,
          stdout: changed.answer,
          stderr: '',
          durationMs: 0,
          timedOut: false,
          aborted: false,
        }
      return host.run(command, changed)
    },
    runRaw: (command, options) => host.runRaw(command, options),
    upload(localPath, remotePath, options) {
      return uploadPath(this, localPath, remotePath, options ?? {})
    },
    readFile: (path, options) => host.readFile(path, options),
    close: async () => {},
  }
}

describe('upload: identical content', () => {
  it('sets the asked mode on an identical file instead of skipping it, then skips', async () => {
    const source = join(work, 'tool.sh')
    const target = join(work, 'out', 'tool.sh')
    writeFileSync(source, '#!/bin/sh\necho hi\n')
    const first = await host.upload(source, target, {mode: '0644'})
    expect(first.skipped).toBe(false)
    expect(mode(target)).toBe('644')

    const again = await host.upload(source, target, {mode: '0644'})
    expect(again).toMatchObject({skipped: true})
    expect(again.modeChanged).toBeUndefined()

    const executable = await host.upload(source, target, {mode: '0755'})
    expect(executable).toMatchObject({skipped: false, modeChanged: true})
    expect(mode(target)).toBe('755')
    expect(readFileSync(target, 'utf8')).toBe('#!/bin/sh\necho hi\n')

    expect(await host.upload(source, target, {mode: '755'})).toMatchObject({skipped: true})
    // The default mode is 0644: an upload without --mode over a 0755 copy sets it back.
    expect(await host.upload(source, target)).toMatchObject({skipped: false, modeChanged: true})
    expect(mode(target)).toBe('644')
  })

  it('replaces the file when its mode cannot be changed in place', async () => {
    const source = join(work, 'fixed.txt')
    const target = join(work, 'fixed-out.txt')
    writeFileSync(source, 'same\n')
    writeFileSync(target, 'same\n')
    chmodSync(target, 0o600)
    // A node where chmod of the existing file is refused (another owner): answered with exit 1.
    const failing = wrapped((command, options) =>
      command.startsWith('chmod 0640 --') ? {answer: '', exitCode: 1} : options,
    )
    const result = await failing.upload(source, target, {mode: '0640'})
    expect(result).toMatchObject({skipped: false})
    expect(result.modeChanged).toBeUndefined()
    expect(mode(target)).toBe('640')
  })

  it('refuses an invalid mode before touching the node', async () => {
    const commands: string[] = []
    const spy = wrapped((command, options) => (commands.push(command), options))
    await expect(uploadPath(spy, join(work, 'tool.sh'), join(work, 'never'), {mode: '0999'})).rejects.toThrow(
      /invalid file mode 0999/,
    )
    expect(commands).toEqual([])
  })
})

describe('upload failures', () => {
  it('fails on a checksum mismatch after transfer, leaving the target and no temp file behind', async () => {
    const source = join(work, 'payload.bin')
    const dir = join(work, 'mismatch')
    mkdirSync(dir)
    const target = join(dir, 'payload.bin')
    writeFileSync(source, Buffer.alloc(64 * 1024, 7))
    writeFileSync(target, 'old content\n')
    // The bytes change on the way (a corrupting link): the node computes another checksum.
    const corrupting = wrapped((command, options) =>
      command.includes('cat > ') ? {...options, stdin: Readable.from([Buffer.alloc(64 * 1024, 8)])} : options,
    )
    const error = await uploadPath(corrupting, source, target, {}).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RemoteError)
    expect(error).toMatchObject({kind: 'transfer'})
    expect((error as Error).message).toMatch(
      /upload of .*payload\.bin to .*payload\.bin failed: checksum mismatch after transfer/,
    )
    expect(readFileSync(target, 'utf8')).toBe('old content\n')
    expect(readdirSync(dir)).toEqual(['payload.bin'])
  })

  it('fails with "timed out" when the transfer stalls past the timeout, leaving the target alone', async () => {
    const source = join(work, 'stall.bin')
    const dir = join(work, 'stall')
    mkdirSync(dir)
    const target = join(dir, 'stall.bin')
    writeFileSync(source, 'x'.repeat(1000))
    const stalled = new PassThrough() // never ends: the node waits for more bytes
    const stalling = wrapped((command, options) =>
      command.includes('cat > ') ? {...options, stdin: stalled} : options,
    )
    const started = performance.now()
    const error = await uploadPath(stalling, source, target, {timeoutMs: 500}).catch((caught: unknown) => caught)
    stalled.destroy()
    expect(error).toBeInstanceOf(RemoteError)
    expect((error as Error).message).toMatch(/stall\.bin failed: timed out$/)
    expect(performance.now() - started).toBeLessThan(30_000)
    expect(existsSync(target)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 1500)) // the stop of the timed-out group (TERM, then KILL after 1 s)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('worker upload', () => {
  it('makes an identical but non-executable worker copy on a node executable', async () => {
    const home = join(work, 'home')
    const local = workerPath()
    const hash = createHash('sha256').update(readFileSync(local)).digest('hex').slice(0, 16)
    const remote = join(home, '.cache', '3fs-cli', `3fs-worker-${hash}`)
    mkdirSync(join(home, '.cache', '3fs-cli'), {recursive: true})
    writeFileSync(remote, readFileSync(local))
    chmodSync(remote, 0o644)
    // A "remote" node whose home is the temp directory.
    const node = wrapped((command, options) => (command === 'printf %s "$HOME"' ? {answer: home} : options), false)
    expect(await ensureWorker(node)).toBe(remote)
    expect(mode(remote)).toBe('755')
  })
})
