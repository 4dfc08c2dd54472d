/**
 * Atomic uploads over a Host's command channel: content goes to a temp file (or directory) beside the
 * target, is verified, then renamed into place. Identical content already on the node is not sent.
 */
import {createHash, randomBytes} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {readdir, stat} from 'node:fs/promises'
import {basename, join, posix, relative} from 'node:path'
import {PassThrough, Readable} from 'node:stream'

import {execa} from 'execa'

import {RemoteError} from './errors.js'
import type {Host, UploadOptions, UploadResult} from './host.js'
import {shellQuote as q} from './shell.js'

/** Name of the file inside an uploaded tree that records the tree's hash. */
export const TREE_MARKER = '.3fs-cli-tree'

export async function uploadPath(
  host: Host,
  localPath: string,
  remotePath: string,
  options: UploadOptions,
): Promise<UploadResult> {
  if (!remotePath.startsWith('/'))
    throw new RemoteError(
      host.name,
      'transfer',
      `upload target ${remotePath} is not an absolute path`,
      'Give an absolute path.',
    )
  const info = await stat(localPath)
  if (!info.isFile() && !info.isDirectory())
    throw new RemoteError(
      host.name,
      'transfer',
      `${localPath} is not a regular file or directory (a FIFO, socket or device)`,
      'Upload a regular file or a directory.',
    )
  return info.isDirectory()
    ? uploadTree(host, localPath, remotePath, options)
    : uploadFile(host, localPath, remotePath, info.size, options)
}

/** The SHA-256 of a file, or of its first `bytes` bytes (what an upload sends). */
export async function sha256File(path: string, bytes?: number): Promise<string> {
  const hash = createHash('sha256')
  if (bytes === 0) return hash.digest('hex')
  for await (const chunk of createReadStream(path, bytes === undefined ? {} : {end: bytes - 1}))
    hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** A stopped transfer says so (its stderr then only holds the shell's "Terminated"). */
function whyFailed(result: {stderr: string; exitCode: number | null; timedOut: boolean; aborted: boolean}): string {
  if (result.timedOut) return 'timed out'
  if (result.aborted) return 'cancelled'
  return result.stderr.trim() || `exit ${result.exitCode ?? 'by a signal'}`
}

function tempName(remotePath: string): string {
  return `${remotePath}.3fs-cli-tmp-${randomBytes(6).toString('hex')}`
}

async function uploadFile(
  host: Host,
  localPath: string,
  remotePath: string,
  bytes: number,
  options: UploadOptions,
): Promise<UploadResult> {
  const mode = options.mode ?? '0644'
  if (!/^0?[0-7]{3,4}$/.test(mode))
    throw new RemoteError(host.name, 'transfer', `invalid file mode ${mode}`, 'Use an octal mode such as 0644.')
  const sha256 = await sha256File(localPath, bytes)
  // Identical content is not sent again, but only a file that also has the asked mode is left as it is.
  const probe = (path: string) =>
    host.run(
      `if [ -d ${q(path)} ]; then echo directory; else sha256sum -- ${q(path)} 2>/dev/null && stat -c %a -- ${q(path)}; fi`,
      {sudo: options.sudo, signal: options.signal, timeoutMs: options.timeoutMs},
    )
  let existing = await probe(remotePath)
  if (existing.stdout === 'directory\n') {
    if (!options.intoDirectory)
      throw new RemoteError(
        host.name,
        'transfer',
        `${remotePath} is a directory, not a file`,
        'Give the full path of the file to write.',
      )
    // As `cp FILE DIR` does: the file goes inside the directory under its own name.
    remotePath = posix.join(remotePath, basename(localPath))
    existing = await probe(remotePath)
    if (existing.stdout === 'directory\n')
      throw new RemoteError(
        host.name,
        'transfer',
        `${remotePath} is a directory, not a file`,
        'Move it away or give another target path.',
      )
  }
  const base = {node: host.name, remotePath, sha256, bytes}
  const [sum, currentMode] = existing.stdout.split('\n')
  if (existing.exitCode === 0 && sum!.startsWith(`${sha256} `)) {
    if (Number.parseInt(currentMode!.trim(), 8) === Number.parseInt(mode, 8)) return {...base, skipped: true}
    const chmod = await host.run(`chmod ${mode} -- ${q(remotePath)}`, {
      sudo: options.sudo,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      label: `chmod ${mode} ${remotePath}`,
    })
    if (chmod.exitCode === 0) return {...base, skipped: false, modeChanged: true}
    // Not ours to chmod in place (e.g. another owner): replace it like changed content.
  }

  const temp = tempName(remotePath)
  // The checksum is verified on the node before the rename, so a cut connection never leaves a partial file in place.
  const script = [
    'set -e',
    `mkdir -p -- ${q(posix.dirname(remotePath))}`,
    `trap 'rm -f -- ${q(temp).replace(/'/g, `'\\''`)}' EXIT`,
    // A stopped transfer (timeout, cancel: TERM to the group) exits through the EXIT trap too, not around it.
    "trap 'exit 143' TERM INT HUP",
    `cat > ${q(temp)}`,
    `chmod ${mode} ${q(temp)}`,
    `got=$(sha256sum -- ${q(temp)} | cut -d' ' -f1)`,
    `if [ "$got" != ${sha256} ]; then echo "checksum mismatch after transfer" >&2; exit 3; fi`,
    // mv onto a directory would move the file into it under the temp name: never.
    `if [ -d ${q(remotePath)} ]; then echo ${q(`${remotePath} is a directory`)} >&2; exit 4; fi`,
    `mv -f -- ${q(temp)} ${q(remotePath)}`,
    'trap - EXIT',
  ].join('\n')
  const result = await host.run(script, {
    sudo: options.sudo,
    // Only the bytes stat counted: a file that grows while it is sent cannot make the transfer endless.
    stdin: bytes === 0 ? Readable.from([]) : createReadStream(localPath, {end: bytes - 1}),
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    label: `upload ${localPath} -> ${remotePath}`,
  })
  if (result.exitCode !== 0) {
    throw new RemoteError(
      host.name,
      'transfer',
      `upload of ${localPath} to ${remotePath} failed: ${whyFailed(result)}`,
      'Check free space and permissions on the node (use sudo for system paths).',
    )
  }
  return {...base, skipped: false}
}

/** A stable hash of a local tree: relative path, mode and content hash of every file, sorted. */
export async function treeHash(root: string): Promise<{sha256: string; bytes: number; files: number}> {
  const lines: string[] = []
  let bytes = 0
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, {withFileTypes: true})
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const path = join(dir, entry.name)
      const rel = relative(root, path)
      if (entry.isDirectory()) {
        lines.push(`d ${rel}`)
        await walk(path)
      } else if (entry.isFile()) {
        const info = await stat(path)
        bytes += info.size
        lines.push(`f ${rel} ${(info.mode & 0o777).toString(8)} ${await sha256File(path)}`)
      } else if (entry.isSymbolicLink()) {
        lines.push(`l ${rel}`)
      }
    }
  }
  await walk(root)
  const sha256 = createHash('sha256').update(lines.join('\n')).digest('hex')
  return {sha256, bytes, files: lines.filter((line) => line.startsWith('f ')).length}
}

async function uploadTree(
  host: Host,
  localDir: string,
  remotePath: string,
  options: UploadOptions,
): Promise<UploadResult> {
  const tree = await treeHash(localDir)
  const base = {node: host.name, remotePath, sha256: tree.sha256, bytes: tree.bytes}
  const marker = posix.join(remotePath, TREE_MARKER)
  const probe = await host.run(
    `if [ -e ${q(remotePath)} ]; then cat -- ${q(marker)} 2>/dev/null || echo none; else echo absent; fi`,
    {
      sudo: options.sudo,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    },
  )
  const state = probe.stdout.trim()
  if (state === tree.sha256) return {...base, skipped: true}
  if (state === 'none') {
    // Only trees that 3fs-cli itself wrote (they carry the marker) are ever replaced.
    throw new RemoteError(
      host.name,
      'transfer',
      `${remotePath} exists and was not written by 3fs-cli`,
      'Move it away or choose another target path; 3fs-cli will not replace it.',
    )
  }
  const temp = tempName(remotePath)
  const old = `${remotePath}.3fs-cli-old-${randomBytes(6).toString('hex')}`
  const script = [
    'set -e',
    `mkdir -p -- ${q(temp)}`,
    `trap 'rm -rf -- ${q(temp).replace(/'/g, `'\\''`)}' EXIT`,
    "trap 'exit 143' TERM INT HUP",
    `tar -C ${q(temp)} -xf -`,
    `printf %s ${tree.sha256} > ${q(posix.join(temp, TREE_MARKER))}`,
    `if [ -e ${q(remotePath)} ]; then mv -- ${q(remotePath)} ${q(old)}; fi`,
    `mv -- ${q(temp)} ${q(remotePath)}`,
    'trap - EXIT',
    `rm -rf -- ${q(old)}`,
  ].join('\n')
  const tar = execa('tar', ['-C', localDir, '-cf', '-', '.'], {
    // stdout streams to the node; stderr is kept, so a failure says why tar failed (not only its exit code).
    buffer: {stdout: false, stderr: true},
    stdin: 'ignore',
    cancelSignal: options.signal,
    reject: false,
  })
  // Held in a PassThrough from the first byte: the archive waits (with backpressure) while sudo is probed.
  const archive = tar.stdout!.pipe(new PassThrough())
  const [result, tarResult] = await Promise.all([
    host.run(script, {
      sudo: options.sudo,
      stdin: archive,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      label: `upload tree ${localDir} -> ${remotePath}`,
    }),
    tar,
  ])
  if (tarResult.exitCode !== 0) {
    throw new RemoteError(
      host.name,
      'transfer',
      `tar could not read ${localDir}: ${tarResult.stderr.trim() || tarResult.shortMessage}`,
      'Check that every file under the directory is readable.',
    )
  }
  if (result.exitCode !== 0) {
    throw new RemoteError(
      host.name,
      'transfer',
      `upload of ${localDir} to ${remotePath} failed: ${whyFailed(result)}`,
      'Check free space and permissions on the node.',
    )
  }
  return {...base, skipped: false}
}
