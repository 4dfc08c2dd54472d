/**
 * duckdb build / install / verify through the built CLI against real sshd test hosts, with a STAND-IN
 * duckdb-3fs source tree (test/fixtures/duckdb-standin.ts) whose build yields artifacts at the real
 * paths in a second. Real: SSH, the upload of a local checkout, each build step and its log, checksums,
 * reuse, the footer version check, the install layout, and DuckDB writing and reading Parquet on the
 * shared /3fs. Not real: the duckdb-3fs build itself, the extension and usrbio.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {STANDIN_CLI_VERSION, writeStandinSource} from '../fixtures/duckdb-standin.js'
import {buildElfNeeding} from '../helpers/elf-with-missing-deps.js'
import {ALL_PRESENT, BuildToolDoubles} from '../helpers/build-tool-doubles.js'
import {serveIndex, writeStandinIndex} from '../fixtures/pip-index-standin.js'

const available = hostsAvailable()

describe.skipIf(!available)(
  'duckdb build, install and verify on real SSH test hosts (stand-in duckdb-3fs source)',
  () => {
    let hosts: TestHosts
    let config: string
    let cache: string
    let source: string
    let tools: BuildToolDoubles
    const env = () => ({THREEFS_CLI_CACHE: cache})
    const opt = (node: string, ...path: string[]) => join(hosts.dir, 'nodes', node, 'opt3fs', ...path)
    const installFlags = ['--bin-dir', '/opt/3fs/bin', '--no-ldconfig']

    beforeAll(() => {
      hosts = TestHosts.start(2)
      // A non-root login: its home is private to each node (root's is the machine's).
      config = hosts.writeCluster({username: hosts.env.USER_NOPW})
      cache = mkdtempSync(join(tmpdir(), '3fs-cli-cache-'))
      source = writeStandinSource(mkdtempSync(join(tmpdir(), 'duckdb-3fs-standin-')), {root: ROOT})
      // The build node's tools are PATH-controlled doubles (real make/cmake/ninja/c++/python3).
      tools = new BuildToolDoubles(hosts, mkdtempSync(join(tmpdir(), 'build-tools-')))
      tools.use(ALL_PRESENT)
    })

    afterAll(() => {
      tools?.restore()
      hosts?.down()
    })

    const buildSrc = () => join(hosts.dir, 'nodes', 'node1', 'opt3fs', 'duckdb-build', 'src')

    it('lists every missing build prerequisite at once with its package, before cloning anything (tool doubles: none of clang, lld, Rust, pkg-config, git, fdb)', async () => {
      tools.use({real: ['make', 'cmake']})
      try {
        const result = await runCli(
          ['duckdb', 'build', '-c', config, '--source', 'file:///nonexistent/duckdb-3fs.git', '--json'],
          {env: env()},
        )
        expect(result.exitCode).toBe(1)
        const message: string = result.json.error.message
        expect(message).toMatch(/^build node node1 lacks what a host-mode duckdb-3fs build needs/)
        for (const line of [
          '  - ninja: ninja-build',
          '  - c++: g++ (build-essential)',
          '  - git: git',
          '  - clang: clang',
          '  - clang++: clang',
          '  - ld.lld: lld',
          '  - pkg-config: pkg-config',
          '  - FoundationDB client header foundationdb/fdb_c.h',
        ])
          expect(message).toContain(line)
        expect(message).toMatch(/ {2}- rustc: rustc and cargo >= 1\.75\.0/)
        expect(message).toMatch(/ {2}- libfuse3 \(version unknown without pkg-config\): libfuse3-dev >= 3\.16\.1/)
        expect(message).not.toMatch(/ {2}- (make|cmake):/)
        expect(result.json.error.next[0]).toBe('Install: apt-get install ninja-build g++ git clang lld pkg-config')
        expect(existsSync(buildSrc())).toBe(false)
      } finally {
        tools.use(ALL_PRESENT)
      }
    })

    it('names a too old libfuse3 (3.14.0 from the pkg-config double), a too old rustc and the absent FoundationDB client, and uploads nothing', async () => {
      tools.use({...ALL_PRESENT, fuse3: '3.14.0', rust: '1.63.0', fdb: false})
      try {
        const result = await runCli(['duckdb', 'build', '-c', config, '--source', source, '--json'], {env: env()})
        expect(result.exitCode).toBe(1)
        const lines = (result.json.error.message as string).split('\n').slice(1)
        expect(lines.map((line) => line.replace(/:.*/, ''))).toEqual([
          '  - rustc 1.63.0 (needs >= 1.75.0)',
          '  - libfuse3 3.14.0 (needs >= 3.16.1)',
          "  - FoundationDB client header foundationdb/fdb_c.h (in clang++'s search paths)",
          "  - FoundationDB client library libfdb_c.so (in clang++'s library paths)",
        ])
        expect(existsSync(buildSrc())).toBe(false)
      } finally {
        tools.use(ALL_PRESENT)
      }
    })

    it('--python on a node that cannot reach the package index says so before building (the test hosts have no internet)', async () => {
      // pip on the nodes with no configuration (this machine's root has a local mirror configured): its
      // default index, which the test hosts cannot reach.
      tools.env({PIP_CONFIG_FILE: '/dev/null'}, join(cache, 'sudo-env'))
      let result
      try {
        result = await runCli(['duckdb', 'build', '-c', config, '--source', source, '--python', '--json'], {
          env: env(),
          timeoutMs: 180_000,
        })
      } finally {
        tools.env(undefined, join(cache, 'sudo-env'))
      }
      expect(result.exitCode).toBe(1)
      expect(result.json.error.message).toMatch(
        /lacks what a host-mode duckdb-3fs build needs[^\n]*\n {2}- a reachable Python package index: pip uses https:\/\/pypi\.org\/simple \(pip default\) and pip download setuptools failed \(Failed to establish a new connection: .*\); --python installs/,
      )
      expect(result.json.error.next.join('\n')).toMatch(/find-links = <dir> in \/etc\/pip\.conf/)
      expect(existsSync(buildSrc())).toBe(false)
    }, 200_000)

    it('--mode container --python asks pip inside the build image, before building (a docker DOUBLE that runs the container command on the node)', async () => {
      tools.use({real: ['git', 'python3']})
      // The engine double: checks the run is the build container's (--rm --network host IMAGE bash -c) and runs
      // its command on the node, as a host-network container would; pip there is real and has no internet.
      const calls = join(cache, 'docker-double-calls')
      writeFileSync(
        join(tools.bin, 'docker'),
        [
          '#!/bin/bash',
          '# DOUBLE for 3fs-cli tests: docker run of the build image, run on the node itself',
          `printf '%s\\n' "$*" >> ${calls}`,
          '[ "$1 $2 $3 $4 $5" = "run --rm --network host open3fs/duckdb-build:test" ] || { echo "unexpected docker call" >&2; exit 125; }',
          '[ "$6" = bash ] && [ "$7" = -c ] || exit 125',
          'exec bash -c "$8"',
          '',
        ].join('\n'),
        {mode: 0o755},
      )
      tools.env({PIP_CONFIG_FILE: '/dev/null'}, join(cache, 'sudo-env'))
      let result
      try {
        result = await runCli(
          [
            'duckdb',
            'build',
            '-c',
            config,
            '--source',
            source,
            '--python',
            '--mode',
            'container',
            '--build-image',
            'open3fs/duckdb-build:test',
            '--json',
          ],
          {env: env(), timeoutMs: 180_000},
        )
      } finally {
        tools.env(undefined, join(cache, 'sudo-env'))
        tools.use(ALL_PRESENT)
      }
      expect(result.exitCode).toBe(1)
      expect(result.json.error.message).toMatch(
        /lacks what a container-mode duckdb-3fs build needs[^\n]*\n {2}- a reachable Python package index: pip uses https:\/\/pypi\.org\/simple \(pip default\) and pip download setuptools failed/,
      )
      expect(result.json.error.next.join('\n')).toContain('pip in the build image open3fs/duckdb-build:test')
      expect(result.json.error.next.join('\n')).not.toContain('Install  on')
      // One engine call: the probe (no build step ran), and nothing was fetched.
      expect(readFileSync(calls, 'utf8').match(/^run --rm /gm)).toHaveLength(1)
      expect(existsSync(buildSrc())).toBe(false)
    }, 200_000)

    it('--python through a package index the node reaches (a stand-in index on loopback) builds the wheel and collects it', async () => {
      const index = await serveIndex(writeStandinIndex(mkdtempSync(join(tmpdir(), 'pip-index-standin-'))))
      tools.env(
        {PIP_CONFIG_FILE: '/dev/null', PIP_INDEX_URL: index.url, PIP_NO_CACHE_DIR: '1'},
        join(cache, 'sudo-env'),
      )
      try {
        const withPython = writeStandinSource(mkdtempSync(join(tmpdir(), 'duckdb-3fs-python-')), {
          root: ROOT,
          pythonpkg: true,
        })
        const result = await runCli(['duckdb', 'build', '-c', config, '--source', withPython, '--python', '--json'], {
          env: env(),
          timeoutMs: 180_000,
        })
        expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
        expect(result.json.steps.map((step: any) => step.name)).toEqual(['3fs', 'extension', 'python', 'collect'])
        expect(result.json.manifest.wheel).toBe('duckdb-1.5.6-py3-none-any.whl')
        expect(Object.keys(result.json.manifest.files)).toContain('duckdb-1.5.6-py3-none-any.whl')
      } finally {
        tools.env(undefined, join(cache, 'sudo-env'))
        index.stop()
      }
    }, 200_000)

    it('--plan shows the build steps on the first client node, with 3FS built once', async () => {
      const result = await runCli(['duckdb', 'build', '-c', config, '--source', source, '--plan', '--json'], {
        env: env(),
      })
      expect(result.exitCode).toBe(0)
      expect(result.json.node).toBe('node1')
      expect(result.json.steps.map((step: any) => step.name)).toEqual(['check', 'fetch', '3fs', 'extension', 'collect'])
      expect(result.json.steps[3].command).toContain("EXT_FLAGS='-DBUILD_3FS_LIB=OFF'")
    })

    it('builds from an uploaded local checkout, logs every step, and collects checksummed artifacts', async () => {
      const result = await runCli(['duckdb', 'build', '-c', config, '--source', source, '--json'], {env: env()})
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json.reused).toBe(false)
      expect(result.json.steps.map((step: any) => step.name)).toEqual(['3fs', 'extension', 'collect'])
      const {manifest} = result.json
      expect(manifest).toMatchObject({
        duckdbVersion: STANDIN_CLI_VERSION,
        versionDirectory: '0123456789',
        platform: 'linux_amd64',
        extensionDuckdbVersion: '0123456789',
        source: {kind: 'dir'},
      })
      expect(Object.keys(manifest.files).sort()).toEqual([
        'duckdb',
        'libhf3fs_api_shared.so',
        'threefs.duckdb_extension',
      ])
      expect(readFileSync(join(result.json.dir, 'libhf3fs_api_shared.so'), 'utf8')).toBe(
        'stand-in libhf3fs_api_shared\n',
      )
      const log = readFileSync(result.json.logFile, 'utf8')
      expect(log).toContain('[stand-in] building 3FS client library')
      expect(log).toContain('[stand-in] make release GEN=ninja EXT_FLAGS=-DBUILD_3FS_LIB=OFF')
      expect(existsSync(join(hosts.dir, 'nodes', 'node1', 'opt3fs', 'duckdb-build', 'build.log'))).toBe(true)
    })

    it('reuses the build when nothing changed (checksums verified, no step run)', async () => {
      const remoteLog = join(hosts.dir, 'nodes', 'node1', 'opt3fs', 'duckdb-build', 'build.log')
      const before = statSync(remoteLog).size
      const result = await runCli(['duckdb', 'build', '-c', config, '--source', source, '--json'], {env: env()})
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json.reused).toBe(true)
      expect(result.json.steps).toEqual([])
      expect(statSync(remoteLog).size).toBe(before)
    })

    it('names the failing step and shows the log tail when the build breaks', async () => {
      const broken = writeStandinSource(mkdtempSync(join(tmpdir(), 'duckdb-3fs-broken-')), {
        root: ROOT,
        failExtension: true,
      })
      const result = await runCli(['duckdb', 'build', '-c', config, '--source', broken, '--json'], {env: env()})
      expect(result.exitCode).toBe(1)
      expect(result.json.error.message).toMatch(/failed at step "extension" on node1/)
      expect(result.json.error.message).toContain('stand-in compile error')
      expect(result.json.error.next[0]).toMatch(/Full log: .*build-[0-9a-f]+\.log/)
    })

    it('refuses to install an extension built for another DuckDB version, and installs nothing', async () => {
      const mismatched = writeStandinSource(mkdtempSync(join(tmpdir(), 'duckdb-3fs-mismatch-')), {
        root: ROOT,
        extensionDuckdbVersion: 'v0.9.9',
      })
      const built = await runCli(['duckdb', 'build', '-c', config, '--source', mismatched, '--json'], {env: env()})
      expect(built.exitCode, built.stderr).toBe(0)
      const result = await runCli(
        ['duckdb', 'install', '-c', config, '--json', '--artifacts', built.json.dir, ...installFlags],
        {env: env()},
      )
      expect(result.exitCode).toBe(1)
      expect(result.json.error.message).toMatch(
        /built for DuckDB v0\.9\.9, but the DuckDB CLI of this build is v1\.5\.6-dev42 0123456789/,
      )
      expect(existsSync(opt('node2', 'duckdb'))).toBe(false)
    })

    it('installs the matching build on every client node where that DuckDB version looks for it', async () => {
      const build = await runCli(['duckdb', 'build', '-c', config, '--source', source, '--json'], {env: env()})
      const result = await runCli(
        [
          'duckdb',
          'install',
          '-c',
          config,
          '--json',
          '--artifacts',
          build.json.dir,
          '--iov-size',
          '16KiB',
          ...installFlags,
        ],
        {env: env()},
      )
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json.nodes.map((node: any) => [node.node, node.ok])).toEqual([
        ['node1', true],
        ['node2', true],
      ])
      // The login user's home lives in the node's private /home: look from inside.
      const found = await runCli([
        'exec',
        '-c',
        config,
        '--json',
        '--',
        'test -f ~/.duckdb/extensions/0123456789/linux_amd64/threefs.duckdb_extension && echo present',
      ])
      expect(found.json.nodes.map((node: any) => node.stdout.trim())).toEqual(['present', 'present'])
      expect(result.json.nodes[0].extensionPath).toBe(
        `/home/${hosts.env.USER_NOPW}/.duckdb/extensions/0123456789/linux_amd64/threefs.duckdb_extension`,
      )
      for (const node of ['node1', 'node2']) {
        expect(statSync(opt(node, 'duckdb', 'bin', 'duckdb')).mode & 0o111).not.toBe(0)
        const init = readFileSync(opt(node, 'duckdb', 'threefs-init.sql'), 'utf8')
        expect(init).toContain("SET threefs_mount_root = '/3fs/';")
        expect(init).toContain('SET threefs_iov_size = 16384;')
      }
      const again = await runCli(
        [
          'duckdb',
          'install',
          '-c',
          config,
          '--json',
          '--artifacts',
          build.json.dir,
          '--iov-size',
          '16KiB',
          ...installFlags,
        ],
        {env: env()},
      )
      expect(again.json.nodes.every((node: any) => node.skipped === 3)).toBe(true)
    })

    it('verifies on every client node that DuckDB writes Parquet to /3fs and reads it back through 3fs:// and the path, then cleans up', async () => {
      const result = await runCli(
        ['duckdb', 'verify', '-c', config, '--json', '--rows', '50000', '--bin-dir', '/opt/3fs/bin'],
        {env: env()},
      )
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      for (const node of result.json.nodes) {
        expect(node).toMatchObject({ok: true, usrbio: true, mountRoot: '/3fs/', plainLoadedThreefs: false})
        expect(node.read3fs.rows).toBe(50000)
        expect(node.read3fs.checksum).toBe(node.expected.checksum)
        expect(node.readPath.checksum).toBe(node.expected.checksum)
        expect(node.write.ms).toBeGreaterThan(0)
      }
      expect(readdirSync(join(hosts.dir, 'shared3fs', '.3fs-cli-duckdb-verify'))).toEqual([])
    })

    it('bench graysort run --impl duckdb -c: every node sorts its key range with duckdb-3fs over 3fs:// paths, checked by the same validator', async () => {
      const out = join(cache, 'duckdb-cluster-sort.json')
      const result = await runCli(
        [
          'bench',
          'graysort',
          'run',
          '-c',
          config,
          '--size',
          '4M',
          '--impl',
          'duckdb',
          '--duckdb-bin-dir',
          '/opt/3fs/bin',
          '--out',
          out,
          '--json',
        ],
        {env: env()},
      )
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      expect(result.json).toMatchObject({verdict: 'PASS', engine: 'duckdb-3fs', nodes: ['node1', 'node2']})
      expect(result.json.validation.records).toBe(Math.floor((4 * 2 ** 20) / 100))
      expect(result.json.validation.checksum).toBe(result.json.input.checksum)
      const saved = JSON.parse(readFileSync(out, 'utf8'))
      expect(saved.impl).toBe('duckdb')
      // Both nodes sorted (a map and a reduce span each), after node1 took the sample.
      const spans = saved.phases.map((span: any) => `${span.node}:${span.phase}`)
      expect(spans).toEqual(
        expect.arrayContaining(['node1:sample', 'node1:map', 'node1:reduce', 'node2:map', 'node2:reduce']),
      )
      // Its own run directory (under <mount>/graysort) is gone with everything in it.
      expect(readdirSync(join(hosts.dir, 'shared3fs', 'graysort'))).toEqual([])

      const missing = await runCli(
        [
          'bench',
          'graysort',
          'run',
          '-c',
          config,
          '--size',
          '1M',
          '--impl',
          'duckdb',
          '--duckdb-bin-dir',
          '/opt/none',
          '--json',
        ],
        {env: env()},
      )
      expect(missing.exitCode).not.toBe(0)
      expect(missing.json.error.message).toContain('node1, node2: no /opt/none/duckdb-3fs')
      expect(missing.json.error.next.join('\n')).toContain('3fs-cli duckdb install')
    })

    it('install fails on every node where the 3FS library NEEDs a library the node lacks, naming it (ldd, a real ELF)', async () => {
      const elf = join(mkdtempSync(join(tmpdir(), 'elf-')), 'libhf3fs_api_shared.so')
      buildElfNeeding(elf, ['lib3fscli-absent-dependency.so.7'])
      const needy = writeStandinSource(mkdtempSync(join(tmpdir(), 'duckdb-3fs-needy-')), {root: ROOT, library: elf})
      const built = await runCli(['duckdb', 'build', '-c', config, '--source', needy, '--json'], {env: env()})
      expect(built.exitCode, built.stderr).toBe(0)
      const result = await runCli(
        ['duckdb', 'install', '-c', config, '--json', '--artifacts', built.json.dir, ...installFlags],
        {env: env()},
      )
      expect(result.exitCode).toBe(1)
      for (const node of result.json.nodes) {
        expect(node.ok).toBe(false)
        expect(node.error).toBe(
          `${node.node} lacks lib3fscli-absent-dependency.so.7 (unknown: apt-file search lib3fscli-absent-dependency.so.7) for /opt/3fs/duckdb/lib/libhf3fs_api_shared.so: DuckDB would fail to LOAD threefs there`,
        )
      }
    })
  },
)

describe('duckdb install flags', () => {
  it('refuses a negative --io-depth before reading the config (the extension reads it as a size_t)', async () => {
    const result = await runCli([
      'duckdb',
      'install',
      '-c',
      join(ROOT, 'test', 'fixtures', 'm3fs-full.yml'),
      '--io-depth',
      '-1',
      '--plan',
      '--json',
    ])
    expect(result.exitCode).toBe(2)
    expect(result.stderr + JSON.stringify(result.json ?? '')).toMatch(
      /io-depth.*greater than or equal to 0|Expected an integer greater than or equal to 0/,
    )
  })
})
