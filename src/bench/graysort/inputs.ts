/**
 * Where `bench graysort sort` and `validate` read and write: the paths checked and the input files listed,
 * on this machine or on the first node (every node sees the same shared directory).
 */
import {readdirSync, statSync} from 'node:fs'
import {posix, resolve} from 'node:path'

import {UsageError} from '../../errors.js'
import type {BenchTarget} from '../target.js'

const NOT_EMPTY_NEXT =
  'Give --output a new or empty directory (sort never deletes or overwrites files it did not make), or remove the old output first.'

/** Normalised --input and --output; on nodes both must be absolute, and neither may lie inside the other. */
export function sortPaths(onNodes: boolean, input: string, output: string): {input: string; output: string} {
  if (onNodes && (!input.startsWith('/') || !output.startsWith('/')))
    throw new UsageError('--input and --output must be absolute paths on the nodes', {
      next: 'For example --input /3fs/graysort/input --output /3fs/graysort/output',
    })
  const paths = onNodes
    ? {input: posix.normalize(input), output: posix.normalize(output)}
    : {input: resolve(input), output: resolve(output)}
  if (isInside(paths.input, paths.output))
    throw new UsageError(`--output ${paths.output} and --input ${paths.input} overlap`, {
      next: 'Sort into a new directory outside the input (and the input outside the output).',
    })
  return paths
}

function isInside(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`)
}

/** The output directory must be new or empty: stale part files would mix with this run's. */
export function checkLocalOutputDir(path: string): void {
  let info
  try {
    info = statSync(path)
  } catch {
    return
  }
  if (!info.isDirectory())
    throw new UsageError(`--output ${path} is not a directory`, {
      next: 'Give --output a directory (it is made if missing).',
    })
  const entries = readdirSync(path)
  if (entries.length > 0)
    throw new UsageError(
      `--output ${path} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}: ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`,
      {next: NOT_EMPTY_NEXT},
    )
}

/** The same on the nodes; the run's own work directory, when made inside the output, does not count. */
export async function checkRemoteOutputDir(target: BenchTarget, path: string, holdsWorkDir: boolean): Promise<void> {
  const skip = holdsWorkDir ? posix.basename(target.dir) : ''
  const listing = await target.nodes[0]!.host.run(
    `if [ -e ${JSON.stringify(path)} ] && [ ! -d ${JSON.stringify(path)} ]; then echo not-a-directory; else ls -A -- ${JSON.stringify(path)} 2>/dev/null | grep -vx -- ${JSON.stringify(skip || '/')} | head -4; fi`,
  )
  const entries = listing.stdout.split('\n').filter(Boolean)
  if (entries[0] === 'not-a-directory')
    throw new UsageError(`--output ${path} is not a directory on the nodes`, {next: 'Give --output a directory.'})
  if (entries.length > 0)
    throw new UsageError(
      `--output ${path} is not empty on the nodes (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`,
      {next: NOT_EMPTY_NEXT},
    )
}

/** A file, or a directory's .dat files in name order, on this machine. */
export function listLocalInputs(path: string): string[] {
  let info
  try {
    info = statSync(path)
  } catch {
    throw new UsageError(`${path} does not exist`, {next: 'Give an input file or a directory of .dat files.'})
  }
  if (!info.isDirectory()) return [path]
  const files = readdirSync(path)
    .filter((name) => name.endsWith('.dat'))
    .sort()
    .map((name) => posix.join(path, name))
  if (files.length === 0)
    throw new UsageError(`${path} holds no .dat files`, {
      next: 'Generate input with `3fs-cli bench graysort gen --output DIR/`.',
    })
  return files
}

/** The same on the first node. */
export async function listRemoteInputs(target: BenchTarget, path: string): Promise<string[]> {
  const listing = await target.nodes[0]!.host.run(
    `if [ -d ${JSON.stringify(path)} ]; then ls -1 ${JSON.stringify(path)} | grep '\\.dat$' | sed "s|^|${path.replace(/\/$/, '')}/|"; else echo ${JSON.stringify(path)}; fi`,
  )
  const files = listing.stdout.trim().split('\n').filter(Boolean)
  if (files.length === 0)
    throw new UsageError(`${path} holds no .dat files on the nodes`, {next: 'Generate input first.'})
  return files
}

/** A local directory stands for its part-NNNNN.dat files in order; gaps in the numbering are missing partitions. */
export function expandValidatePaths(paths: string[]): {files: string[]; missing: string[]} {
  if (paths.length !== 1 || !isDirectory(paths[0]!)) return {files: paths, missing: []}
  const dir = paths[0]!
  // In partition order: numerically, since part-100000 sorts before part-99999 as text.
  const numberOf = (name: string) => Number(/\d+/.exec(name)![0])
  const parts = readdirSync(dir)
    .filter((name) => /^part-\d+\.dat$/.test(name))
    .sort((a, b) => numberOf(a) - numberOf(b))
  if (parts.length === 0)
    throw new UsageError(`${dir} holds no part-NNNNN.dat files`, {
      next: 'Give the output directory of `bench graysort sort`, or the files themselves.',
    })
  const numbers = parts.map(numberOf)
  const missing: string[] = []
  for (let expected = 0, index = 0; index < numbers.length; expected++) {
    if (numbers[index] === expected) index++
    else missing.push(posix.join(dir, `part-${String(expected).padStart(5, '0')}.dat`))
  }
  return {files: parts.map((name) => posix.join(dir, name)), missing}
}

/** True when `path` names a directory here, or ends in / (gen writes per-node files there). */
export function isDirectoryTarget(path: string): boolean {
  return path.endsWith('/') || isDirectory(path)
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
