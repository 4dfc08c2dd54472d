/**
 * The local store of duckdb-3fs builds: ~/.cache/3fs-cli/duckdb/<key>/ holds the artifacts and a
 * manifest (checksums, the DuckDB version they belong to, where they came from). The key is a hash of
 * the build inputs, so the same inputs reuse a build and different ones never mix.
 */
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {UserError} from '../errors.js'
import {sha256File} from '../remote/upload.js'

export const ARTIFACT_FILES = {
  cli: 'duckdb',
  extension: 'threefs.duckdb_extension',
  library: 'libhf3fs_api_shared.so',
} as const

export interface ArtifactManifest {
  key: string
  builtOn: string
  builtAt: string
  mode: 'host' | 'container'
  source: {kind: 'git'; url: string; ref: string; commit: string} | {kind: 'dir'; path: string; treeSha256: string}
  /** What the built CLI prints for --version, e.g. "v1.2.2-dev123 5f5512b827". */
  duckdbVersion: string
  /** The extension directory name and platform DuckDB uses for it. */
  versionDirectory: string
  platform: string
  extensionDuckdbVersion: string
  /** File name -> checksum and size, for everything in the artifact directory. */
  files: Record<string, {sha256: string; bytes: number}>
  wheel?: string
}

/** The local store of one kind of build (duckdb, smallpond) under THREEFS_CLI_CACHE or ~/.cache/3fs-cli. */
export function storeRoot(kind = 'duckdb'): string {
  return process.env.THREEFS_CLI_CACHE
    ? join(process.env.THREEFS_CLI_CACHE, kind)
    : join(homedir(), '.cache', '3fs-cli', kind)
}

export function artifactDir(key: string): string {
  return join(storeRoot(), key)
}

export async function writeManifest(manifest: ArtifactManifest): Promise<void> {
  await mkdir(artifactDir(manifest.key), {recursive: true})
  await writeFile(join(artifactDir(manifest.key), 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await writeFile(join(storeRoot(), 'latest'), `${manifest.key}\n`)
}

export async function readManifest(dir: string): Promise<ArtifactManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ArtifactManifest
  } catch {
    return undefined
  }
}

/** Every file of the manifest present with its checksum; the names of those that are not. */
export async function verifyArtifacts(dir: string, manifest: Pick<ArtifactManifest, 'files'>): Promise<string[]> {
  const bad: string[] = []
  for (const [name, expected] of Object.entries(manifest.files)) {
    try {
      const info = await stat(join(dir, name))
      if (info.size !== expected.bytes || (await sha256File(join(dir, name))) !== expected.sha256) bad.push(name)
    } catch {
      bad.push(name)
    }
  }
  return bad
}

/** The artifacts to install: a directory given by the user, else the latest build. */
export async function resolveArtifacts(dir?: string): Promise<{dir: string; manifest: ArtifactManifest}> {
  let chosen = dir
  if (!chosen) {
    const latest = await readFile(join(storeRoot(), 'latest'), 'utf8').catch(() => undefined)
    if (!latest)
      throw new UserError('no duckdb-3fs build found', {
        next: [
          'Build it first: 3fs-cli duckdb build -c cluster.yml',
          `or point at a build directory with --artifacts (store: ${storeRoot()}).`,
        ],
      })
    chosen = artifactDir(latest.trim())
  }
  const manifest = await readManifest(chosen)
  if (!manifest)
    throw new UserError(`${chosen} has no manifest.json: not a duckdb-3fs build made by 3fs-cli`, {
      next: 'Run 3fs-cli duckdb build, or give the directory it printed.',
    })
  const bad = await verifyArtifacts(chosen, manifest)
  if (bad.length > 0)
    throw new UserError(`${chosen}: ${bad.join(', ')} missing or not matching the recorded checksum`, {
      next: 'Rebuild: 3fs-cli duckdb build -c cluster.yml (a changed artifact is never shipped).',
    })
  return {dir: chosen, manifest}
}
