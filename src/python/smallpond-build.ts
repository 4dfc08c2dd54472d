/**
 * The smallpond-3fs wheel, built once on the build node like the duckdb-3fs extension: clone
 * open3fs/smallpond-3fs at a ref, build the wheel, download it with its checksum into the local store
 * (~/.cache/3fs-cli/smallpond/<key>, key = source URL + resolved commit). A re-run with the same commit
 * whose stored wheel still matches its checksum builds nothing.
 *
 * smallpond-3fs pyproject.toml:1-3 builds with setuptools.build_meta (requires setuptools and
 * setuptools-scm) and :6-7 names the package "smallpond" 0.15.0. The seed runs `python3 -m build
 * --wheel`; `python3 -m pip wheel --no-deps` drives the same PEP 517 backend in the same isolated
 * environment without needing the `build` package on the node (Debian's python3 lacks it). Either way the
 * build requirements come from the package index, so the node is asked whether it reaches one first.
 */
import {createHash} from 'node:crypto'
import {appendFile, mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {Cluster} from '../config/model.js'
import {storeRoot, verifyArtifacts} from '../duckdb/artifacts.js'
import {buildNode, resolveGitRef, runStep, type BuildOptions} from '../duckdb/build.js'
import {indexUnreachable, probeIndex} from '../duckdb/pip-index.js'
import {UserError} from '../errors.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {shellQuote} from '../remote/shell.js'

export const DEFAULT_SMALLPOND_SOURCE = 'https://github.com/open3fs/smallpond-3fs.git'

export interface SmallpondBuildOptions {
  cluster: Cluster
  /** Build node (default: the first client node). */
  node?: string
  source: string
  ref: string
  /** Interpreter on the build node. */
  python: string
  pool?: Partial<PoolOptions>
  signal?: AbortSignal
  onProgress?: BuildOptions['onProgress']
}

export interface SmallpondManifest {
  key: string
  builtOn: string
  builtAt: string
  source: {url: string; ref: string; commit: string}
  wheel: string
  files: Record<string, {sha256: string; bytes: number}>
}

export interface SmallpondBuild {
  reused: boolean
  node: string
  dir: string
  /** Local path of the wheel. */
  wheel: string
  manifest: SmallpondManifest
  logFile?: string
}

export function smallpondKey(url: string, commit: string): string {
  return createHash('sha256')
    .update(JSON.stringify({smallpond: url, commit}))
    .digest('hex')
    .slice(0, 16)
}

async function readManifest(dir: string): Promise<SmallpondManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as SmallpondManifest
  } catch {
    return undefined
  }
}

/** What the plan shows for the build, without touching a node. */
export function planSmallpondBuild(options: SmallpondBuildOptions): string {
  const node = buildNode(options.cluster, options.node)
  return `build the smallpond-3fs wheel on ${node.name}: clone ${options.source} at ${options.ref}, ${options.python} -m pip wheel --no-deps (reused from ${storeRoot('smallpond')} when that commit's wheel matches its checksum)`
}

export async function buildSmallpond(options: SmallpondBuildOptions): Promise<SmallpondBuild> {
  const node = buildNode(options.cluster, options.node)
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  const root = `${options.cluster.config.workDir}/smallpond-build`
  const src = `${root}/src`
  const remoteLog = `${root}/build.log`
  const py = shellQuote(options.python)
  try {
    const host = pool.get(node)
    const missing = (
      await host.run(
        `command -v git >/dev/null 2>&1 || echo "git (git)"; if command -v ${py} >/dev/null 2>&1; then ${py} -m pip --version >/dev/null 2>&1 || echo "pip for ${options.python} (python3-pip)"; else echo "${options.python} (python3)"; fi`,
        {sudo: true, signal: options.signal},
      )
    ).stdout
      .trim()
      .split('\n')
      .filter(Boolean)
    if (missing.length > 0)
      throw new UserError(`build node ${node.name} lacks ${missing.join(', ')} to build the smallpond-3fs wheel`, {
        next: `Install them (Debian/Ubuntu: apt-get install ${missing.map((entry) => /\(([^)]+)\)/.exec(entry)![1]).join(' ')}), or pass a built wheel with --smallpond-wheel.`,
      })
    const source = await resolveGitRef(host, options.source, options.ref, options.signal)
    const key = smallpondKey(source.url, source.commit)
    const dir = join(storeRoot('smallpond'), key)
    const existing = await readManifest(dir)
    if (existing && (await verifyArtifacts(dir, existing)).length === 0)
      return {reused: true, node: node.name, dir, wheel: join(dir, existing.wheel), manifest: existing}

    const index = await probeIndex(host, {python: options.python, signal: options.signal})
    if (!index.ok)
      throw indexUnreachable(
        node.name,
        index,
        'the smallpond-3fs wheel build',
        'setuptools, setuptools-scm (smallpond-3fs pyproject.toml:2)',
      )

    await mkdir(storeRoot('smallpond'), {recursive: true})
    const logFile = join(storeRoot('smallpond'), `build-${key}.log`)
    await writeFile(logFile, `# smallpond-3fs build ${key} on ${node.name}, ${new Date().toISOString()}\n`)
    const log = async (text: string) => appendFile(logFile, text)
    const stepOptions = {signal: options.signal, onProgress: options.onProgress, what: 'smallpond-3fs build'}
    await host.run(`mkdir -p ${shellQuote(root)}`, {sudo: true, check: true, signal: options.signal})
    await runStep(
      host,
      {
        name: 'fetch',
        description: `clone ${source.url} at ${source.commit.slice(0, 12)}`,
        command: `rm -rf ${shellQuote(src)} && git clone --quiet ${shellQuote(source.url)} ${shellQuote(src)} && cd ${shellQuote(src)} && git checkout --quiet ${shellQuote(source.commit)}`,
      },
      remoteLog,
      log,
      logFile,
      stepOptions,
    )
    const output = await runStep(
      host,
      {
        name: 'wheel',
        description: 'the smallpond wheel (PEP 517, build requirements from the index)',
        command: [
          `cd ${shellQuote(src)}`,
          'rm -rf dist',
          `${py} -m pip wheel --no-deps --disable-pip-version-check -w dist .`,
          'for f in dist/*.whl; do [ -f "$f" ] && echo "@@file $(sha256sum "$f" | cut -d" " -f1) $(wc -c < "$f") $(basename "$f")"; done',
        ].join(' && '),
      },
      remoteLog,
      log,
      logFile,
      stepOptions,
    )
    const files: SmallpondManifest['files'] = {}
    for (const line of output.split('\n')) {
      const match = /^@@file ([0-9a-f]{64}) (\d+) (\S+\.whl)$/.exec(line.trim())
      if (match) files[match[3]!] = {sha256: match[1]!, bytes: Number(match[2])}
    }
    const wheel = Object.keys(files)[0]
    if (!wheel) throw new UserError(`the smallpond-3fs build on ${node.name} made no wheel`, {next: `See ${logFile}.`})
    await mkdir(dir, {recursive: true})
    await writeFile(join(dir, wheel), await host.readFile(`${src}/dist/${wheel}`, {sudo: true, signal: options.signal}))
    const manifest: SmallpondManifest = {
      key,
      builtOn: node.name,
      builtAt: new Date().toISOString(),
      source,
      wheel,
      files: {[wheel]: files[wheel]!},
    }
    const bad = await verifyArtifacts(dir, manifest)
    if (bad.length > 0)
      throw new UserError(`the downloaded smallpond wheel differs from the build node's: ${bad.join(', ')}`, {
        next: 'Run the same command again.',
      })
    await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    return {reused: false, node: node.name, dir, wheel: join(dir, wheel), manifest, logFile}
  } finally {
    await pool.closeAll()
  }
}
