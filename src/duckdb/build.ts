/**
 * duckdb build: on one build node, fetch duckdb-3fs (a git clone with submodules at a ref, or an upload of
 * a local checkout for air-gapped clusters), build 3FS's client library once (build_3fs.sh), the
 * extension and the DuckDB CLI from the same tree against it (EXT_FLAGS=-DBUILD_3FS_LIB=OFF, so 3FS is
 * not compiled twice), optionally the Python wheel, then collect the artifacts with their checksums and
 * the DuckDB version they belong to into the local store. The same inputs reuse the stored build.
 */
import {createHash} from 'node:crypto'
import {appendFile, mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {nodesOf, type Cluster, type ClusterNode} from '../config/model.js'
import {UserError} from '../errors.js'
import type {Host} from '../remote/host.js'
import {HostPool, type PoolOptions} from '../remote/pool.js'
import {shellQuote} from '../remote/shell.js'
import {treeHash} from '../remote/upload.js'
import {
  ARTIFACT_FILES,
  artifactDir,
  readManifest,
  storeRoot,
  verifyArtifacts,
  writeManifest,
  type ArtifactManifest,
} from './artifacts.js'
import {
  FUSE3_MIN,
  hostTools,
  installAdvice,
  judgeProbe,
  probeScript,
  RUST_MIN,
  type MissingPrerequisite,
} from './build-prereqs.js'
import {parseExtensionFooter, versionDirectory} from './extension-metadata.js'
import {indexUnreachable, probeIndex, PROBE_PACKAGE, type IndexProbe} from './pip-index.js'

export type BuildMode = 'host' | 'container'

export interface BuildOptions {
  cluster: Cluster
  node?: string
  /** A git URL, or a local directory holding a duckdb-3fs checkout (with its submodules). */
  source: string
  ref: string
  python: boolean
  mode: BuildMode
  /** Image with 3FS's build prerequisites, for --mode container. */
  buildImage: string
  runtime: string
  jobs?: number
  pool?: Partial<PoolOptions>
  signal?: AbortSignal
  onProgress?: (progress: {step: string; elapsedMs: number; line: string}) => void
}

export interface BuildStep {
  name: string
  description: string
  command: string
}

export interface BuildResult {
  reused: boolean
  node: string
  dir: string
  manifest: ArtifactManifest
  logFile?: string
  steps: Array<{name: string; durationMs: number}>
}

export class BuildStepError extends UserError {
  constructor(
    readonly step: string,
    node: string,
    logTail: string,
    logFile: string,
    what = 'duckdb build',
  ) {
    super(`${what} failed at step "${step}" on ${node}:\n--- last lines of the build log ---\n${logTail}`, {
      next: [
        `Full log: ${logFile}`,
        'Fix the cause and run the same command again: finished builds are reused, the failed step is run again.',
      ],
    })
    this.name = 'BuildStepError'
  }
}

export function isGitSource(source: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(source) || /^[\w.-]+@[\w.-]+:/.test(source)
}

export function buildNode(cluster: Cluster, name?: string): ClusterNode {
  if (name) {
    const node = cluster.nodes.find((entry) => entry.name === name)
    if (!node)
      throw new UserError(`--node ${name} is not a node of ${cluster.file}`, {
        next: 'Use a node name from cluster.yml.',
        exitCode: 2,
      })
    return node
  }
  const client = nodesOf(cluster, 'client')[0] ?? cluster.nodes[0]
  if (!client) throw new UserError(`${cluster.file} has no nodes to build on`, {exitCode: 2})
  return client
}

/** The remote layout of a build. */
export function buildPaths(cluster: Cluster): {root: string; src: string; out: string; log: string} {
  const root = `${cluster.config.workDir}/duckdb-build`
  return {root, src: `${root}/src`, out: `${root}/out`, log: `${root}/build.log`}
}

/** The build steps, in order; each runs in the source tree (in the build container for --mode container). */
export function buildSteps(
  options: Pick<BuildOptions, 'python' | 'mode' | 'buildImage' | 'runtime' | 'jobs'>,
  paths: ReturnType<typeof buildPaths>,
): BuildStep[] {
  const jobs = options.jobs ? String(options.jobs) : '$(nproc)'
  const inTree = (command: string) =>
    options.mode === 'container'
      ? `${shellQuote(options.runtime)} run --rm --network host -v ${shellQuote(`${paths.src}:/src`)} -w /src ${shellQuote(options.buildImage)} bash -c ${shellQuote(command)}`
      : `cd ${shellQuote(paths.src)} && ${command}`
  const steps: BuildStep[] = [
    {
      name: '3fs',
      description: "3FS's client library (build_3fs.sh: submodule patches, then the usrbio library)",
      command: inTree('bash ./build_3fs.sh'),
    },
    {
      name: 'extension',
      description: 'the threefs extension and the DuckDB CLI from the same tree, against that library',
      command: inTree(`GEN=ninja EXT_FLAGS='-DBUILD_3FS_LIB=OFF' make release -j${jobs}`),
    },
  ]
  if (options.python)
    steps.push({
      name: 'python',
      description: 'the DuckDB Python wheel from the same tree',
      command: inTree(
        'mkdir -p build/wheels && cd duckdb/tools/pythonpkg && python3 -m pip wheel --no-deps -w ../../../build/wheels .',
      ),
    })
  steps.push({
    name: 'collect',
    description: 'collect the artifacts with checksums and the DuckDB version',
    command: [
      'set -e',
      `cd ${shellQuote(paths.src)}`,
      `out=${shellQuote(paths.out)}; rm -rf "$out"; mkdir -p "$out"`,
      `cp build/release/duckdb "$out/${ARTIFACT_FILES.cli}"`,
      `cp build/release/extension/threefs/threefs.duckdb_extension "$out/${ARTIFACT_FILES.extension}"`,
      `lib=$(find . -name ${ARTIFACT_FILES.library} -path '*build*' -type f | head -n 1); [ -n "$lib" ] || { echo "no ${ARTIFACT_FILES.library} in the build tree" >&2; exit 1; }; cp "$lib" "$out/${ARTIFACT_FILES.library}"`,
      'for w in build/wheels/*.whl; do [ -f "$w" ] && cp "$w" "$out/"; done',
      'echo "@@version $("$out/duckdb" --version)"',
      'cd "$out" && for f in *; do echo "@@file $(sha256sum "$f" | cut -d" " -f1) $(wc -c < "$f") $f"; done',
    ].join('\n'),
  })
  return steps
}

/** The commit a ref names in a git repository, as the build node sees it (git ls-remote). */
export async function resolveGitRef(
  host: Host,
  url: string,
  ref: string,
  signal?: AbortSignal,
): Promise<{kind: 'git'; url: string; ref: string; commit: string}> {
  // As the clone runs: under sudo (the same git config, credentials and repository ownership rules).
  const result = await host.run(`git ls-remote ${shellQuote(url)} ${shellQuote(ref)} ${shellQuote(`${ref}^{}`)}`, {
    sudo: true,
    signal,
    timeoutMs: 120_000,
  })
  const lines = result.stdout.trim().split('\n').filter(Boolean)
  const commit = /^[0-9a-f]{40}$/.test(ref)
    ? ref
    : (lines.find((line) => line.endsWith('^{}')) ?? lines[0])?.split(/\s+/)[0]
  if (result.exitCode !== 0 || !commit)
    throw new UserError(`cannot resolve ${ref} in ${url} from ${host.name}: ${result.stderr.trim() || 'no such ref'}`, {
      next: 'Check the URL and the ref, and that the build node reaches the git server (or give a local checkout or a built file).',
    })
  return {kind: 'git', url, ref, commit}
}

async function sourceIdentity(host: Host, options: BuildOptions): Promise<ArtifactManifest['source']> {
  if (isGitSource(options.source)) return resolveGitRef(host, options.source, options.ref, options.signal)
  const tree = await treeHash(options.source).catch(() => undefined)
  if (!tree)
    throw new UserError(`--source ${options.source} is neither a git URL nor a readable directory`, {
      exitCode: 2,
      next: 'Give a git URL (https://github.com/open3fs/duckdb-3fs) or the path of a checkout with its submodules.',
    })
  return {kind: 'dir', path: options.source, treeSha256: tree.sha256}
}

export function buildKey(
  source: ArtifactManifest['source'],
  options: Pick<BuildOptions, 'python' | 'mode' | 'buildImage'>,
): string {
  const identity = source.kind === 'git' ? {git: source.url, commit: source.commit} : {tree: source.treeSha256}
  return createHash('sha256')
    .update(
      JSON.stringify({
        identity,
        python: options.python,
        mode: options.mode,
        image: options.mode === 'container' ? options.buildImage : undefined,
      }),
    )
    .digest('hex')
    .slice(0, 16)
}

/** What the build node needs for the chosen mode (the tool names; host mode also probes libraries). */
export function prerequisites(options: Pick<BuildOptions, 'mode' | 'python' | 'source' | 'runtime'>): string[] {
  if (options.mode === 'container') return [options.runtime, ...(isGitSource(options.source) ? ['git'] : [])]
  return [
    ...hostTools({gitSource: isGitSource(options.source), python: options.python}),
    `FoundationDB client (foundationdb/fdb_c.h, libfdb_c.so)`,
    `libfuse3 >= ${FUSE3_MIN}`,
    `rustc >= ${RUST_MIN}`,
    ...(options.python ? ['pip and a reachable package index'] : []),
  ]
}

/** Probes the build node for everything the mode needs; runs nothing else. */
async function missingPrerequisites(host: Host, options: BuildOptions): Promise<MissingPrerequisite[]> {
  if (options.mode === 'container') {
    const result = await host.run(
      `for t in ${prerequisites(options).map(shellQuote).join(' ')}; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done`,
      {sudo: true, signal: options.signal},
    )
    return result.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((tool) => ({what: tool, package: tool === 'git' ? 'git' : 'docker.io (or the engine given with --runtime)'}))
  }
  const probe = {gitSource: isGitSource(options.source), python: options.python}
  const result = await host.run(probeScript(probe), {sudo: true, signal: options.signal, label: 'build prerequisites'})
  return judgeProbe(result.stdout, probe)
}

function prerequisiteError(
  node: string,
  options: BuildOptions,
  missing: MissingPrerequisite[],
  index?: IndexProbe,
): UserError {
  const lines = missing.map((entry) => `  - ${entry.what}: ${entry.package}`)
  if (index && !index.ok)
    lines.push(
      `  - a reachable Python package index: pip uses ${index.index} and pip download ${PROBE_PACKAGE} failed (${index.detail || 'no output'}); --python installs the wheel's build dependencies from it`,
    )
  const next =
    options.mode === 'host'
      ? [
          ...installAdvice(missing).map((advice) => `Install: ${advice}`),
          ...(index && !index.ok ? indexUnreachable(node, index, '', PYTHON_BUILD_DEPS).next.slice(0, 2) : []),
          'Or build in a container that has all of it: --mode container --build-image IMAGE.',
        ]
      : [
          ...(missing.length > 0
            ? [`Install ${missing.map((entry) => entry.what).join(', ')} on ${node}, or use --mode host.`]
            : []),
          ...(index && !index.ok
            ? [
                `pip in the build image ${options.buildImage} (run with --network host on ${node}) reaches no index: use an image whose pip.conf names one it reaches, or one holding the build dependencies (${PYTHON_BUILD_DEPS}) as wheels with no-index and find-links set`,
                'Or build without --python and install the DuckDB wheel from elsewhere.',
              ]
            : []),
        ]
  return new UserError(
    `build node ${node} lacks what a ${options.mode}-mode duckdb-3fs build needs (nothing was fetched or built):\n${lines.join('\n')}`,
    {next},
  )
}

/**
 * DuckDB's tools/pythonpkg builds with setuptools.build_meta and needs setuptools, setuptools_scm and
 * pybind11 from the index (DuckDB 1.x pyproject.toml; not read at duckdb-3fs's submodule commit).
 */
const PYTHON_BUILD_DEPS = 'setuptools, setuptools_scm, pybind11'

export async function buildDuckdb(options: BuildOptions): Promise<BuildResult> {
  const node = buildNode(options.cluster, options.node)
  const pool = new HostPool({ssh: options.cluster.ssh, ...options.pool})
  const paths = buildPaths(options.cluster)
  try {
    const host = pool.get(node)
    // Everything is probed before the source is fetched, so a node that cannot build says all it lacks
    // at once. Without git a git source cannot even be resolved: say so before trying.
    const missing = await missingPrerequisites(host, options)
    if (missing.some((entry) => entry.what === 'git')) throw prerequisiteError(node.name, options, missing)
    const source = await sourceIdentity(host, options)
    const key = buildKey(source, options)
    const dir = artifactDir(key)
    const existing = await readManifest(dir)
    if (existing && (await verifyArtifacts(dir, existing)).length === 0)
      return {reused: true, node: node.name, dir, manifest: existing, steps: []}
    // In container mode the wheel is built inside the build image, so pip is asked there (the image is
    // pulled now rather than at the first build step); only when the engine itself is present.
    const canProbeIndex =
      options.python &&
      (options.mode === 'host'
        ? !missing.some((entry) => /^(python3|pip )/.test(entry.what))
        : !missing.some((entry) => entry.what === options.runtime))
    const index = canProbeIndex
      ? await probeIndex(host, {
          signal: options.signal,
          container: options.mode === 'container' ? {runtime: options.runtime, image: options.buildImage} : undefined,
        })
      : undefined
    if (missing.length > 0 || (index && !index.ok)) throw prerequisiteError(node.name, options, missing, index)

    await mkdir(storeRoot(), {recursive: true})
    const logFile = join(storeRoot(), `build-${key}.log`)
    await writeFile(logFile, `# duckdb-3fs build ${key} on ${node.name}, ${new Date().toISOString()}\n`)
    const log = async (text: string) => appendFile(logFile, text)

    // Fetch the source.
    await host.run(`mkdir -p ${shellQuote(paths.root)}`, {sudo: true, check: true, signal: options.signal})
    if (source.kind === 'dir') {
      await host.upload(options.source, paths.src, {sudo: true, signal: options.signal})
    } else {
      const clone = [
        `rm -rf ${shellQuote(paths.src)}`,
        `git clone --quiet ${shellQuote(source.url)} ${shellQuote(paths.src)}`,
        `cd ${shellQuote(paths.src)} && git checkout --quiet ${shellQuote(source.commit)} && git submodule update --init --recursive`,
      ].join(' && ')
      await runStep(
        host,
        {
          name: 'fetch',
          description: `clone ${source.url} at ${source.commit.slice(0, 12)} with submodules`,
          command: clone,
        },
        paths.log,
        log,
        logFile,
        options,
      )
    }

    const timings: BuildResult['steps'] = []
    let collectOutput = ''
    for (const step of buildSteps(options, paths)) {
      const started = performance.now()
      const output = await runStep(host, step, paths.log, log, logFile, options)
      timings.push({name: step.name, durationMs: Math.round(performance.now() - started)})
      if (step.name === 'collect') collectOutput = output
    }

    // Download and check every artifact against the checksum computed on the node.
    const files: ArtifactManifest['files'] = {}
    for (const line of collectOutput.split('\n')) {
      const match = /^@@file ([0-9a-f]{64}) (\d+) (.+)$/.exec(line.trim())
      if (match) files[match[3]!] = {sha256: match[1]!, bytes: Number(match[2])}
    }
    await mkdir(dir, {recursive: true})
    for (const name of Object.keys(files)) {
      const content = await host.readFile(`${paths.out}/${name}`, {sudo: true, signal: options.signal})
      await writeFile(join(dir, name), content, {mode: name === ARTIFACT_FILES.cli ? 0o755 : 0o644})
    }
    const duckdbVersion = /@@version (.+)/.exec(collectOutput)?.[1]?.trim() ?? 'unknown'
    const footer = parseExtensionFooter(await readFile(join(dir, ARTIFACT_FILES.extension)))
    const manifest: ArtifactManifest = {
      key,
      builtOn: node.name,
      builtAt: new Date().toISOString(),
      mode: options.mode,
      source,
      duckdbVersion,
      versionDirectory: versionDirectory(duckdbVersion),
      platform: footer?.platform ?? 'unknown',
      extensionDuckdbVersion: footer?.duckdbVersion ?? 'unknown',
      files,
      ...(Object.keys(files).find((name) => name.endsWith('.whl'))
        ? {wheel: Object.keys(files).find((name) => name.endsWith('.whl'))}
        : {}),
    }
    const bad = await verifyArtifacts(dir, manifest)
    if (bad.length > 0)
      throw new UserError(`downloaded artifacts differ from the build node's: ${bad.join(', ')}`, {
        next: 'Run the build again.',
      })
    await writeManifest(manifest)
    return {reused: false, node: node.name, dir, manifest, logFile, steps: timings}
  } finally {
    await pool.closeAll()
  }
}

/** One step: output streamed to the local log (and the node's), progress reported, tail shown on failure. */
export async function runStep(
  host: Host,
  step: BuildStep,
  remoteLog: string,
  log: (text: string) => Promise<void>,
  logFile: string,
  options: Pick<BuildOptions, 'signal' | 'onProgress'> & {what?: string},
): Promise<string> {
  const started = performance.now()
  await log(`\n### step ${step.name}: ${step.description}\n$ ${step.command}\n`)
  let lastLine = ''
  let pending = Promise.resolve()
  const onChunk = (chunk: string) => {
    pending = pending.then(() => log(chunk))
    const lines = chunk.split('\n').filter((line) => line.trim() !== '')
    if (lines.length > 0) lastLine = lines.at(-1)!
    options.onProgress?.({step: step.name, elapsedMs: performance.now() - started, line: lastLine})
  }
  // POSIX sh has no PIPESTATUS: the step's exit code travels through a file past tee.
  const script = `rc=$(mktemp); { ( ${step.command} ) 2>&1; echo $? > "$rc"; } | tee -a ${shellQuote(remoteLog)}; s=$(cat "$rc"); rm -f "$rc"; exit "$s"`
  const result = await host.run(script, {
    sudo: true,
    signal: options.signal,
    timeoutMs: 6 * 3_600_000,
    onStdout: onChunk,
    onStderr: onChunk,
    label: `duckdb build: ${step.name}`,
  })
  await pending
  if (result.exitCode !== 0) {
    const tail = result.stdout.trim().split('\n').slice(-20).join('\n')
    throw new BuildStepError(step.name, host.name, tail, logFile, options.what)
  }
  return result.stdout
}
