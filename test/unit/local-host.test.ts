/** The local Host runs real processes; the same BaseHost code serves SSH nodes. */
import {mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {LocalHost} from '../../src/remote/local-host.js'
import {CommandFailedError} from '../../src/remote/errors.js'
import {shellQuote} from '../../src/remote/shell.js'

const host = new LocalHost({name: 'local', commandTimeoutMs: 10_000})

describe('LocalHost', () => {
  it('runs argv with every argument reaching the program unchanged', async () => {
    const tricky = ['plain', 'two words', "it's", '$HOME', '`id`', 'a\nb', '', '*', '"q"', '\\']
    const result = await host.run(['printf', '%s\\0', ...tricky])
    expect(result.exitCode).toBe(0)
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(tricky)
  })

  it('passes env, cwd and stdin, and streams output as it comes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-'))
    const chunks: string[] = []
    const result = await host.run('pwd; echo "$GREETING"; cat; echo err >&2', {
      env: {GREETING: 'hi there'},
      cwd: dir,
      stdin: 'from stdin\n',
      onStdout: (chunk) => chunks.push(chunk),
    })
    expect(result.stdout).toBe(`${dir}\nhi there\nfrom stdin\n`)
    expect(result.stderr).toBe('err\n')
    expect(chunks.join('')).toBe(result.stdout)
  })

  it('returns a non-zero exit without throwing, and throws CommandFailedError naming the node with check', async () => {
    const result = await host.run('exit 3')
    expect(result.exitCode).toBe(3)
    await expect(host.run('echo boom >&2; exit 4', {check: true})).rejects.toThrow(CommandFailedError)
    await expect(host.run('echo boom >&2; exit 4', {check: true})).rejects.toThrow(
      /^local: `echo boom >&2; exit 4` exited with 4:\nboom/,
    )
  })

  it('stops a command at its timeout and at an abort signal', async () => {
    const timed = await host.run('sleep 10', {timeoutMs: 200})
    expect(timed).toMatchObject({timedOut: true, exitCode: null})
    // Stopped, not waited for: well under the 10 s sleep, whatever the machine's load.
    expect(timed.durationMs).toBeLessThan(9000)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const aborted = await host.run('sleep 10', {signal: controller.signal})
    expect(aborted).toMatchObject({aborted: true, exitCode: null})
  })

  it('needs no sudo as root and runs the command directly', async () => {
    if (process.getuid?.() !== 0) return
    const result = await host.run('id -u', {sudo: true})
    expect(result.stdout).toBe('0\n')
  })

  it('uploads a file atomically with its mode, and skips identical content', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-up-'))
    const source = join(dir, 'src.bin')
    writeFileSync(source, Buffer.alloc(100_000, 7))
    const target = join(dir, 'deep', 'er', 'dst.bin')
    const first = await host.upload(source, target, {mode: '0600'})
    expect(first.skipped).toBe(false)
    expect(readFileSync(target).equals(readFileSync(source))).toBe(true)
    expect(statSync(target).mode & 0o777).toBe(0o600)
    expect((await host.upload(source, target, {mode: '0600'})).skipped).toBe(true)
    // Without a mode the file gets the default 0644, as a fresh upload would: same content, mode set.
    expect(await host.upload(source, target)).toMatchObject({skipped: false, modeChanged: true})
    expect(statSync(target).mode & 0o777).toBe(0o644)
  })

  it('reads files back as bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-rd-'))
    const bytes = Buffer.from([0, 1, 2, 255, 10, 13])
    writeFileSync(join(dir, 'b'), bytes)
    expect((await host.readFile(join(dir, 'b'))).equals(bytes)).toBe(true)
    await expect(host.readFile(join(dir, 'missing'))).rejects.toThrow(/local: `cat -- .*missing` exited with 1/)
  })

  it('uploads a tree and refuses to replace a directory it did not write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-tree-'))
    mkdirSync(join(dir, 'src', 'x'), {recursive: true})
    writeFileSync(join(dir, 'src', 'x', 'f'), 'f')
    expect((await host.upload(join(dir, 'src'), join(dir, 'out'))).skipped).toBe(false)
    expect(readFileSync(join(dir, 'out', 'x', 'f'), 'utf8')).toBe('f')
    mkdirSync(join(dir, 'theirs'))
    await expect(host.upload(join(dir, 'src'), join(dir, 'theirs'))).rejects.toThrow(/was not written by 3fs-cli/)
    expect(existsSync(join(dir, 'theirs'))).toBe(true)
  })
})

describe('shellQuote', () => {
  it('leaves safe words alone and quotes everything else', () => {
    expect(shellQuote('/opt/3fs/etc')).toBe('/opt/3fs/etc')
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`)
    expect(shellQuote('')).toBe("''")
  })
})
