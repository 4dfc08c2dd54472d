/**
 * Upload behaviour not covered by upload.test.ts, through a local Host (the same code serves SSH nodes) and
 * a wrapper that records or changes what reaches the node: refused sources and targets, files into
 * directories, changed content, empty and growing files, a target that turns into a directory, the tree
 * hash and tree uploads, and the messages of every failure.
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'

import {afterAll, describe, expect, it} from 'vitest'

import {RemoteError} from '../../src/remote/errors.js'
import type {Host, RunOptions} from '../../src/remote/host.js'
import {LocalHost} from '../../src/remote/local-host.js'
import {sha256File, TREE_MARKER, treeHash, uploadPath} from '../../src/remote/upload.js'

const host = new LocalHost({name: 'local', commandTimeoutMs: 10_000})
const work = mkdtempSync(join(tmpdir(), '3fs-cli-upload-paths-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
let counter = 0
const fresh = (name: string) => {
  const dir = join(work, `${name}-${++counter}`)
  mkdirSync(dir)
  return dir
}

interface Seen {
  command: string
  options: RunOptions
}

/** A host that runs locally, records every command with its options, and lets a hook answer or change one. */
function recording(
  hook: (command: string, options: RunOptions) => RunOptions | {answer: string; exitCode?: number; stderr?: string} = (
    _command,
    options,
  ) => options,
): Host & {seen: Seen[]} {
  const seen: Seen[] = []
  return {
    seen,
    name: 'rec',
    address: 'rec',
    isLocal: true,
    run: async (command, options = {}) => {
      seen.push({command: String(command), options})
      const changed = hook(String(command), options)
      if ('answer' in changed)
        return {
          node: 'rec',
          command: String(command),
          exitCode: changed.exitCode ?? 0,
          stdout: changed.answer,
          stderr: changed.stderr ?? '',
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

describe('upload: refused before anything is sent', () => {
  it('refuses a relative target, naming the node, and runs nothing', async () => {
    const rec = recording()
    const source = join(fresh('rel'), 'f')
    writeFileSync(source, 'x')
    const error = await uploadPath(rec, source, 'relative/f', {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteError)
    expect(error).toMatchObject({
      kind: 'transfer',
      node: 'rec',
      detail: 'upload target relative/f is not an absolute path',
      next: ['Give an absolute path.'],
    })
    expect(rec.seen).toEqual([])
  })

  it('refuses a FIFO as the source', async () => {
    const dir = fresh('fifo')
    execFileSync('mkfifo', [join(dir, 'p')])
    const rec = recording()
    await expect(uploadPath(rec, join(dir, 'p'), join(dir, 'out'), {})).rejects.toMatchObject({
      kind: 'transfer',
      detail: `${join(dir, 'p')} is not a regular file or directory (a FIFO, socket or device)`,
      next: ['Upload a regular file or a directory.'],
    })
    expect(rec.seen).toEqual([])
  })

  it.each(['0644x', 'x0644', '0064444', '0o644', ''])('refuses the mode %j (whole octal modes only)', async (mode) => {
    const dir = fresh('mode')
    writeFileSync(join(dir, 'f'), 'x')
    const rec = recording()
    await expect(uploadPath(rec, join(dir, 'f'), join(dir, 'g'), {mode})).rejects.toMatchObject({
      detail: `invalid file mode ${mode}`,
      next: ['Use an octal mode such as 0644.'],
    })
    expect(rec.seen).toEqual([])
  })
})

describe('upload: files', () => {
  it('sends changed content again (same mode), and passes sudo, signal, timeout and a label to every command', async () => {
    const dir = fresh('changed')
    const source = join(dir, 'src')
    const target = join(dir, 'dst')
    writeFileSync(source, 'one\n')
    const rec = recording()
    const controller = new AbortController()
    const options = {timeoutMs: 9000, signal: controller.signal}
    expect(await uploadPath(rec, source, target, options)).toMatchObject({
      node: 'rec',
      remotePath: target,
      sha256: sha('one\n'),
      bytes: 4,
      skipped: false,
    })
    writeFileSync(source, 'two!\n')
    expect(await uploadPath(rec, source, target, options)).toMatchObject({sha256: sha('two!\n'), skipped: false})
    expect(readFileSync(target, 'utf8')).toBe('two!\n')
    for (const {options: seen} of rec.seen) {
      expect(seen.timeoutMs).toBe(9000)
      expect(seen.signal).toBe(controller.signal)
    }
    expect(rec.seen.map((entry) => entry.options.label)).toEqual([
      undefined,
      `upload ${source} -> ${target}`,
      undefined,
      `upload ${source} -> ${target}`,
    ])
    // A mode change only: chmod in place, labelled.
    await uploadPath(rec, source, target, {...options, mode: '0600'})
    expect(rec.seen.at(-1)!.options).toMatchObject({label: `chmod 0600 ${target}`, timeoutMs: 9000})
    expect(statSync(target).mode & 0o777).toBe(0o600)
  })

  it('puts a file into an existing directory only when asked (as cp does), and never onto a directory', async () => {
    const dir = fresh('into')
    const source = join(dir, 'name.txt')
    writeFileSync(source, 'content\n')
    mkdirSync(join(dir, 'target'))
    await expect(uploadPath(host, source, join(dir, 'target'), {})).rejects.toMatchObject({
      detail: `${join(dir, 'target')} is a directory, not a file`,
      next: ['Give the full path of the file to write.'],
    })
    expect(readdirSync(join(dir, 'target'))).toEqual([])
    const into = await uploadPath(host, source, join(dir, 'target'), {intoDirectory: true})
    expect(into).toMatchObject({remotePath: join(dir, 'target', 'name.txt'), skipped: false})
    expect(readFileSync(join(dir, 'target', 'name.txt'), 'utf8')).toBe('content\n')
    // Again: the file inside is found identical.
    expect(await uploadPath(host, source, join(dir, 'target'), {intoDirectory: true})).toMatchObject({skipped: true})

    mkdirSync(join(dir, 'target2', 'name.txt'), {recursive: true})
    await expect(uploadPath(host, source, join(dir, 'target2'), {intoDirectory: true})).rejects.toMatchObject({
      detail: `${join(dir, 'target2', 'name.txt')} is a directory, not a file`,
      next: ['Move it away or give another target path.'],
    })
    expect(readdirSync(join(dir, 'target2', 'name.txt'))).toEqual([])
  })

  it('uploads an empty file', async () => {
    const dir = fresh('empty')
    writeFileSync(join(dir, 'e'), '')
    expect(await uploadPath(host, join(dir, 'e'), join(dir, 'out'), {})).toMatchObject({
      bytes: 0,
      sha256: sha(''),
      skipped: false,
    })
    expect(readFileSync(join(dir, 'out')).length).toBe(0)
  })

  it('sends only the bytes counted when the upload began, even if the file grows meanwhile', async () => {
    const dir = fresh('grow')
    const source = join(dir, 'log')
    writeFileSync(source, 'first part\n')
    const growing = recording((command, options) => {
      if (command.includes('cat > ')) appendFileSync(source, 'appended later\n')
      return options
    })
    expect(await uploadPath(growing, source, join(dir, 'out'), {})).toMatchObject({bytes: 11, skipped: false})
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('first part\n')
  })

  it('never moves the file onto a target that became a directory since the probe, and removes its temp file', async () => {
    const dir = fresh('race')
    const source = join(dir, 'f')
    writeFileSync(source, 'x\n')
    const target = join(dir, 'out')
    // The probe says "no such file"; by the time the content arrives, someone made a directory there.
    const racing = recording((command, options) => {
      if (command.startsWith('if [ -d ')) return {answer: '', exitCode: 1}
      if (command.includes('cat > ')) mkdirSync(target)
      return options
    })
    await expect(uploadPath(racing, source, target, {})).rejects.toMatchObject({
      detail: `upload of ${source} to ${target} failed: ${target} is a directory`,
    })
    expect(readdirSync(target)).toEqual([])
    expect(readdirSync(dir).sort()).toEqual(['f', 'out'])
  })

  it('fails when the target directory cannot be made (a file is in the way), leaving no temp file', async () => {
    const dir = fresh('blocked')
    writeFileSync(join(dir, 'f'), 'x')
    writeFileSync(join(dir, 'file'), 'in the way')
    const error = await uploadPath(host, join(dir, 'f'), join(dir, 'file', 'sub', 'out'), {}).catch((e: unknown) => e)
    expect(error).toMatchObject({
      kind: 'transfer',
      next: ['Check free space and permissions on the node (use sudo for system paths).'],
    })
    expect((error as RemoteError).detail).toMatch(/^upload of .* failed: mkdir: .*Not a directory/)
    expect(readdirSync(dir).sort()).toEqual(['f', 'file'])
  })

  it('says "exit N" when the node gives no message, and "cancelled" when aborted', async () => {
    const dir = fresh('why')
    writeFileSync(join(dir, 'f'), 'x')
    const silent = recording((command, options) =>
      command.includes('cat > ') ? {answer: '', exitCode: 7, stderr: ' \n'} : options,
    )
    await expect(uploadPath(silent, join(dir, 'f'), join(dir, 'o'), {})).rejects.toMatchObject({
      detail: `upload of ${join(dir, 'f')} to ${join(dir, 'o')} failed: exit 7`,
    })
    const controller = new AbortController()
    const hanging = recording((command, options) => {
      if (command.includes('cat > ')) setTimeout(() => controller.abort(), 200)
      return command.includes('cat > ') ? {...options, stdin: new PassThrough()} : options
    })
    await expect(
      uploadPath(hanging, join(dir, 'f'), join(dir, 'o2'), {signal: controller.signal}),
    ).rejects.toMatchObject({detail: `upload of ${join(dir, 'f')} to ${join(dir, 'o2')} failed: cancelled`})
  })
})

describe('sha256File', () => {
  it('hashes the whole file, its first N bytes, or nothing for 0 bytes', async () => {
    const dir = fresh('sha')
    writeFileSync(join(dir, 'f'), 'abcdef')
    expect(await sha256File(join(dir, 'f'))).toBe(sha('abcdef'))
    expect(await sha256File(join(dir, 'f'), 3)).toBe(sha('abc'))
    expect(await sha256File(join(dir, 'f'), 0)).toBe(sha(''))
  })
})

describe('treeHash', () => {
  it('hashes sorted lines of directories, files (mode and content) and symlinks, and counts files and bytes', async () => {
    const root = fresh('tree')
    // Made out of name order: the hash must not depend on the order the directory lists them.
    writeFileSync(join(root, 'zeta'), 'zz')
    mkdirSync(join(root, 'b'))
    writeFileSync(join(root, 'b', 'c'), 'ccc')
    chmodSync(join(root, 'b', 'c'), 0o600)
    writeFileSync(join(root, 'a'), 'a')
    symlinkSync('a', join(root, 'link'))
    chmodSync(join(root, 'a'), 0o644)
    chmodSync(join(root, 'zeta'), 0o755)
    const lines = [`f a 644 ${sha('a')}`, 'd b', `f b/c 600 ${sha('ccc')}`, 'l link', `f zeta 755 ${sha('zz')}`]
    expect(await treeHash(root)).toEqual({sha256: sha(lines.join('\n')), bytes: 6, files: 3})
  })

  it('changes with a mode, a name or an empty directory', async () => {
    const root = fresh('tree2')
    writeFileSync(join(root, 'f'), 'x')
    chmodSync(join(root, 'f'), 0o644)
    const first = (await treeHash(root)).sha256
    chmodSync(join(root, 'f'), 0o755)
    const moded = (await treeHash(root)).sha256
    mkdirSync(join(root, 'empty'))
    const withDir = (await treeHash(root)).sha256
    expect(new Set([first, moded, withDir]).size).toBe(3)
  })
})

describe('upload: trees', () => {
  it('replaces its own earlier upload (marker written, old copy removed), and skips an identical tree', async () => {
    const dir = fresh('trees')
    const source = join(dir, 'src')
    mkdirSync(join(source, 'x'), {recursive: true})
    writeFileSync(join(source, 'x', 'f'), 'one')
    const target = join(dir, 'out')
    const rec = recording()
    const first = await uploadPath(rec, source, target, {timeoutMs: 8000})
    const tree = await treeHash(source)
    expect(first).toEqual({node: 'rec', remotePath: target, sha256: tree.sha256, bytes: 3, skipped: false})
    expect(readFileSync(join(target, TREE_MARKER), 'utf8')).toBe(tree.sha256)
    expect(rec.seen.map((entry) => entry.options)).toMatchObject([
      {timeoutMs: 8000},
      {timeoutMs: 8000, label: `upload tree ${source} -> ${target}`},
    ])
    expect(await uploadPath(rec, source, target, {})).toMatchObject({skipped: true})

    writeFileSync(join(source, 'x', 'f'), 'two')
    writeFileSync(join(source, 'new'), 'n')
    expect(await uploadPath(rec, source, target, {})).toMatchObject({skipped: false, bytes: 4})
    expect(readFileSync(join(target, 'x', 'f'), 'utf8')).toBe('two')
    expect(readFileSync(join(target, 'new'), 'utf8')).toBe('n')
    // Nothing left beside the target: no temp and no old copy.
    expect(readdirSync(dir).sort()).toEqual(['out', 'src'])
  })

  it('refuses to replace a directory it did not write, and names what to do', async () => {
    const dir = fresh('foreign')
    mkdirSync(join(dir, 'src'))
    writeFileSync(join(dir, 'src', 'f'), 'x')
    mkdirSync(join(dir, 'theirs'))
    writeFileSync(join(dir, 'theirs', 'keep'), 'k')
    await expect(uploadPath(host, join(dir, 'src'), join(dir, 'theirs'), {})).rejects.toMatchObject({
      kind: 'transfer',
      detail: `${join(dir, 'theirs')} exists and was not written by 3fs-cli`,
      next: ['Move it away or choose another target path; 3fs-cli will not replace it.'],
    })
    expect(readdirSync(join(dir, 'theirs'))).toEqual(['keep'])
  })

  it('fails when the node cannot write the tree, leaving no temp directory', async () => {
    const dir = fresh('treefail')
    mkdirSync(join(dir, 'src'))
    writeFileSync(join(dir, 'src', 'f'), 'x')
    writeFileSync(join(dir, 'file'), 'in the way')
    const error = await uploadPath(host, join(dir, 'src'), join(dir, 'file', 'out'), {}).catch((e: unknown) => e)
    expect(error).toMatchObject({kind: 'transfer', next: ['Check free space and permissions on the node.']})
    expect((error as RemoteError).detail).toMatch(/^upload of .*src to .*file\/out failed: .*Not a directory/)
    expect(readdirSync(dir).sort()).toEqual(['file', 'src'])
  })

  it('fails naming tar when the local tree cannot be read, and replaces nothing', async () => {
    const dir = fresh('tarfail')
    const source = join(dir, 'src')
    mkdirSync(source)
    writeFileSync(join(source, 'f'), 'x')
    // The tree goes away after it was hashed (at the probe of the target), before tar reads it.
    const vanishing = recording((command, options) => {
      if (command.startsWith('if [ -e ')) rmSync(source, {recursive: true})
      return options
    })
    const error = await uploadPath(vanishing, source, join(dir, 'out'), {}).catch((e: unknown) => e)
    expect(error).toMatchObject({kind: 'transfer', next: ['Check that every file under the directory is readable.']})
    expect((error as RemoteError).detail, (error as RemoteError).detail).toMatch(
      new RegExp(`^tar could not read ${source}: .*tar: `),
    )
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })
})
