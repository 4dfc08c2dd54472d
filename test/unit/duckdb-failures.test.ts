/**
 * duckdb verify's verdicts against a stand-in duckdb-3fs wrapper on this machine (a shell script with
 * canned answers), and the artifact store's refusal of tampered or incomplete builds.
 */
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import {createHash} from 'node:crypto'

import {afterAll, afterEach, beforeEach, describe, expect, it} from 'vitest'

import {parseCluster} from '../../src/config/loader.js'
import {resolveArtifacts, type ArtifactManifest} from '../../src/duckdb/artifacts.js'
import {verifyDuckdb} from '../../src/duckdb/verify.js'

const work = mkdtempSync(join(tmpdir(), '3fs-cli-duckdb-failures-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

const mount = join(work, 'mnt')
mkdirSync(mount)
const cluster = parseCluster(
  `name: d
nodes:
  - {name: a, host: 127.0.0.1, username: ${userInfo().username}}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a], diskType: dir, replicationFactor: 1}
  client: {nodes: [a], hostMountpoint: ${mount}}
workDir: ${join(work, 'opt')}
`,
  join(work, 'cluster.yml'),
)

// The plain DuckDB CLI the install puts at <workDir>/duckdb/bin/duckdb: verify's independent read.
const plainCli = join(work, 'opt', 'duckdb', 'bin', 'duckdb')
mkdirSync(join(work, 'opt', 'duckdb', 'bin'), {recursive: true})

/**
 * A duckdb-3fs wrapper in its own bin directory that prints `stdout` and exits with `code`, and the
 * plain CLI that prints `plain` (and keeps its arguments and script in plain-args / plain-stdin).
 */
function wrapper(name: string, stdout: string, code = 0, stderr = '', plain = goodPlain(1000)): string {
  const bin = join(work, name)
  mkdirSync(bin)
  writeFileSync(
    join(bin, 'duckdb-3fs'),
    `#!/bin/sh\ncat > /dev/null\nprintf '%s' '${stdout}'\nprintf '%s' '${stderr}' >&2\nexit ${code}\n`,
  )
  chmodSync(join(bin, 'duckdb-3fs'), 0o755)
  writeFileSync(
    plainCli,
    `#!/bin/sh\necho "$@" > ${join(work, 'plain-args')}\ncat > ${join(work, 'plain-stdin')}\nprintf '%s' '${plain}'\n`,
  )
  chmodSync(plainCli, 0o755)
  return bin
}

const good = (rows: number, read3fs = `${rows},42`) =>
  `mount_root,${mount}/\nRun Time (s): real 0.001\nRun Time (s): real 0.100\nread3fs,${read3fs}\nRun Time (s): real 0.010\nexpected,${rows},42\nRun Time (s): real 0.001\n`
const goodPlain = (rows: number, readPath = `${rows},42`, threefsLoaded = 0) =>
  `threefs,${threefsLoaded}\nRun Time (s): real 0.001\nreadPath,${readPath}\nRun Time (s): real 0.010\n`

async function verify(binDir: string) {
  const result = await verifyDuckdb({cluster, rows: 1000, plan: false, binDir})
  // Whatever happened, the node's scratch directory is gone.
  expect(readdirSync(join(mount, '.3fs-cli-duckdb-verify'))).toEqual([])
  return result
}

describe('duckdb verify failures', () => {
  it('passes when both reads match the expected rows (the stand-in is sound)', async () => {
    const result = await verify(wrapper('ok', good(1000)))
    expect(result).toMatchObject({ok: true, nodes: [{node: 'a', ok: true, usrbio: true}]})
  })

  it('fails when duckdb-3fs exits non-zero, with its last lines', async () => {
    const result = await verify(wrapper('crash', '', 3, 'IO Error: Extension "threefs" could not be loaded'))
    expect(result.ok).toBe(false)
    expect(result.nodes[0]).toMatchObject({node: 'a', ok: false, usrbio: false})
    expect(result.nodes[0]!.error).toBe('duckdb-3fs exited with 3: IO Error: Extension "threefs" could not be loaded')
  })

  it('fails when the extension did not serve 3fs:// (no read3fs row)', async () => {
    const output = good(1000).replace(/read3fs,.*\n/, '')
    const result = await verify(wrapper('no3fs', output))
    expect(result.nodes[0]).toMatchObject({
      ok: false,
      usrbio: false,
      error: 'no result through 3fs:// (the extension did not serve the path)',
    })
  })

  it('fails when a read returns other rows or another checksum, naming both', async () => {
    const short = await verify(wrapper('short', good(1000, '999,42')))
    expect(short.nodes[0]).toMatchObject({ok: false, usrbio: false})
    expect(short.nodes[0]!.error).toBe('read back 999/1000 rows with checksums 42/42, expected 1000 rows 42')
    const corrupt = await verify(wrapper('corrupt', good(1000, '1000,42'), 0, '', goodPlain(1000, '1000,41')))
    expect(corrupt.nodes[0]).toMatchObject({ok: false, usrbio: true})
    expect(corrupt.nodes[0]!.error).toBe('read back 1000/1000 rows with checksums 42/41, expected 1000 rows 42')
  })

  it('reads the plain path once more with the plain DuckDB CLI, without the init file that loads the extension', async () => {
    const result = await verify(wrapper('plain', good(1000)))
    expect(result.nodes[0]).toMatchObject({
      ok: true,
      readPath: {rows: 1000, checksum: '42', ms: 10},
      plainLoadedThreefs: false,
    })
    expect(readFileSync(join(work, 'plain-args'), 'utf8').trim()).toBe('-batch -init /dev/null')
    const script = readFileSync(join(work, 'plain-stdin'), 'utf8')
    expect(script).toMatch(/read_parquet\('[^']*\/t\.parquet'\)/)
    expect(script).not.toMatch(/3fs:\/\/|LOAD threefs/)
  })

  it('fails when the plain read had the threefs extension loaded (it would claim the path: not independent)', async () => {
    const result = await verify(wrapper('plainloaded', good(1000), 0, '', goodPlain(1000, '1000,42', 1)))
    expect(result.nodes[0]).toMatchObject({ok: false, usrbio: true, plainLoadedThreefs: true})
    expect(result.nodes[0]!.error).toMatch(/had the threefs extension loaded, so it was not independent/)
  })

  it('fails when the plain CLI fails to read the file, with its last lines', async () => {
    const bin = wrapper('plainfails', good(1000))
    writeFileSync(plainCli, `#!/bin/sh\ncat > /dev/null\necho 'IO Error: No files found' >&2\nexit 1\n`)
    const result = await verify(bin)
    expect(result.nodes[0]).toMatchObject({ok: false})
    expect(result.nodes[0]!.error).toBe('duckdb-3fs exited with 1: IO Error: No files found')
  })

  it('fails when the expected query counted other rows than asked (a wrapper that ignored the script)', async () => {
    const result = await verify(wrapper('other', good(10)))
    expect(result.nodes[0]).toMatchObject({ok: false})
  })
})

describe('duckdb artifacts that were tampered with', () => {
  let store: string
  let dir: string
  const previous = process.env.THREEFS_CLI_CACHE
  beforeEach(() => {
    store = mkdtempSync(join(work, 'store-'))
    process.env.THREEFS_CLI_CACHE = store
    dir = join(store, 'duckdb', 'k1')
    mkdirSync(dir, {recursive: true})
    const files: ArtifactManifest['files'] = {}
    for (const [name, content] of [
      ['duckdb', 'cli binary'],
      ['threefs.duckdb_extension', 'extension binary'],
      ['libhf3fs_api_shared.so', 'library'],
    ] as const) {
      writeFileSync(join(dir, name), content)
      files[name] = {sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length}
    }
    const manifest = {
      key: 'k1',
      builtOn: 'a',
      builtAt: '',
      mode: 'host',
      source: {kind: 'dir', path: '/src', treeSha256: 'x'},
      duckdbVersion: 'v1.2.1 8e52ec4395',
      versionDirectory: 'v1.2.1',
      platform: 'linux_amd64',
      extensionDuckdbVersion: 'v1.2.1',
      files,
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
    writeFileSync(join(store, 'duckdb', 'latest'), 'k1\n')
  })
  afterEach(() => {
    if (previous === undefined) delete process.env.THREEFS_CLI_CACHE
    else process.env.THREEFS_CLI_CACHE = previous
  })

  it('accepts the intact build (latest, and by directory)', async () => {
    expect((await resolveArtifacts()).dir).toBe(dir)
    expect((await resolveArtifacts(dir)).manifest.key).toBe('k1')
  })

  it('refuses a file whose content changed at the same size, naming it', async () => {
    writeFileSync(join(dir, 'threefs.duckdb_extension'), 'EXTENSION binary')
    await expect(resolveArtifacts()).rejects.toThrow(
      `${dir}: threefs.duckdb_extension missing or not matching the recorded checksum`,
    )
  })

  it('refuses a truncated and a missing file, naming both', async () => {
    writeFileSync(join(dir, 'duckdb'), 'cli')
    rmSync(join(dir, 'libhf3fs_api_shared.so'))
    await expect(resolveArtifacts(dir)).rejects.toThrow(
      `${dir}: duckdb, libhf3fs_api_shared.so missing or not matching the recorded checksum`,
    )
  })

  it('refuses a directory without a manifest, and a store without a build', async () => {
    rmSync(join(dir, 'manifest.json'))
    await expect(resolveArtifacts(dir)).rejects.toThrow(
      `${dir} has no manifest.json: not a duckdb-3fs build made by 3fs-cli`,
    )
    rmSync(join(store, 'duckdb', 'latest'))
    await expect(resolveArtifacts()).rejects.toThrow('no duckdb-3fs build found')
    expect(existsSync(dir)).toBe(true)
  })
})
