/**
 * python install --smallpond-ref: the smallpond-3fs wheel built once on the build node, checksummed,
 * reused, shipped; the venv path from cluster.yml; --plan and --json. On real sshd test hosts with a
 * STAND-IN smallpond-3fs git repository and a STAND-IN package index on loopback
 * (test/fixtures/pip-index-standin.ts), and the stand-in duckdb wheel (test/fixtures/python-standin.ts).
 * pip on the nodes is given no configuration but the test's (PIP_CONFIG_FILE=/dev/null through the test
 * hosts' sudoers env_file): this machine's root has a local mirror configured that a real node would not.
 * Real: SSH, git clone at the resolved commit, pip's isolated PEP 517 wheel build fetching its build
 * requirement over HTTP, checksums, reuse, venv install. Not real: smallpond-3fs, setuptools, DuckDB's
 * wheel, the threefs extension.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {createHash} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {
  serveIndex,
  writeStandinIndex,
  writeStandinSmallpondRepo,
  type RunningIndex,
  type StandinSmallpondRepo,
} from '../fixtures/pip-index-standin.js'
import {writeStandinWheels, type StandinWheels} from '../fixtures/python-standin.js'
import {ALL_PRESENT, BuildToolDoubles} from '../helpers/build-tool-doubles.js'
import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {ROOT, runCli} from '../helpers/cli.js'

const available = hostsAvailable()

describe.skipIf(!available)(
  'python install --smallpond-ref on real SSH test hosts (stand-in smallpond-3fs repository and package index)',
  () => {
    let hosts: TestHosts
    let config: string
    let cache: string
    let wheels: StandinWheels
    let repo: StandinSmallpondRepo
    let index: RunningIndex
    let tools: BuildToolDoubles
    let sudoEnv: string
    const opt = (node: string, ...path: string[]) => join(hosts.dir, 'nodes', node, 'opt3fs', ...path)
    const env = () => ({THREEFS_CLI_CACHE: cache})
    const install = (...extra: string[]) =>
      runCli(
        [
          'python',
          'install',
          '-c',
          config,
          '--json',
          '--duckdb-wheel',
          wheels.duckdb,
          '--wheelhouse',
          wheels.wheelhouse,
          '--smallpond-ref',
          'main',
          '--smallpond-source',
          repo.url,
          ...extra,
        ],
        {env: env(), timeoutMs: 300_000},
      )

    beforeAll(async () => {
      hosts = TestHosts.start(2)
      config = hosts.writeCluster({username: hosts.env.USER_NOPW})
      cache = mkdtempSync(join(tmpdir(), '3fs-cli-cache-'))
      sudoEnv = join(cache, 'sudo-env')
      wheels = writeStandinWheels(mkdtempSync(join(tmpdir(), 'python-standin-')), {root: ROOT})
      repo = writeStandinSmallpondRepo(mkdtempSync(join(tmpdir(), 'smallpond-3fs-standin-')))
      index = await serveIndex(writeStandinIndex(mkdtempSync(join(tmpdir(), 'pip-index-standin-'))))
      // Real tools (git, python3) through the same PATH control as the duckdb build tests.
      tools = new BuildToolDoubles(hosts, mkdtempSync(join(tmpdir(), 'build-tools-')))
      tools.use(ALL_PRESENT)
    })

    afterAll(() => {
      index?.stop()
      tools?.restore()
      hosts?.down()
    })

    it('--plan names the build on the build node and changes nothing', async () => {
      const result = await install('--plan')
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json.plan).toBe(true)
      expect(result.json.steps[0]).toMatch(
        new RegExp(
          `^build the smallpond-3fs wheel on node1: clone ${repo.url} at main, python3 -m pip wheel --no-deps`,
        ),
      )
      expect(existsSync(opt('node1', 'smallpond-build'))).toBe(false)
      expect(existsSync(opt('node1', 'python'))).toBe(false)
    })

    it('says so before building when the build node cannot reach the package index (no internet), and installs nothing', async () => {
      tools.env({PIP_CONFIG_FILE: '/dev/null'}, sudoEnv)
      const result = await install()
      expect(result.exitCode).toBe(1)
      expect(result.json.error.message).toMatch(
        /^node1 cannot reach the Python package index: pip there uses https:\/\/pypi\.org\/simple \(pip default\) and pip download setuptools failed \(Failed to establish a new connection/,
      )
      expect(result.json.error.next.join('\n')).toMatch(
        /setuptools, setuptools-scm \(smallpond-3fs pyproject\.toml:2\)/,
      )
      expect(existsSync(opt('node1', 'smallpond-build', 'src'))).toBe(false)
      expect(existsSync(opt('node1', 'python'))).toBe(false)
      expect(existsSync(opt('node2', 'python'))).toBe(false)
    }, 200_000)

    it('builds the wheel once on the build node through the index it reaches, stores it checksummed, and installs it on every client', async () => {
      tools.env({PIP_CONFIG_FILE: '/dev/null', PIP_INDEX_URL: index.url, PIP_NO_CACHE_DIR: '1'}, sudoEnv)
      const result = await install()
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      expect(result.json.smallpondBuild).toMatchObject({reused: false, node: 'node1', commit: repo.commit})
      expect(result.json.wheels).toEqual(['duckdb-1.2.2-py3-none-any.whl', 'smallpond-0.15.0-py3-none-any.whl'])
      const manifest = JSON.parse(readFileSync(join(result.json.smallpondBuild.dir, 'manifest.json'), 'utf8'))
      const wheel = readFileSync(result.json.smallpondBuild.wheel)
      expect(manifest.files['smallpond-0.15.0-py3-none-any.whl']).toEqual({
        sha256: createHash('sha256').update(wheel).digest('hex'),
        bytes: wheel.length,
      })
      expect(manifest.source).toMatchObject({url: repo.url, ref: 'main', commit: repo.commit})
      for (const node of result.json.nodes) {
        expect(node.ok, node.error).toBe(true)
        expect(node.packages).toMatchObject({smallpond: '0.15.0', duckdb: '1.2.2'})
      }
      expect(readFileSync(opt('node1', 'smallpond-build', 'build.log'), 'utf8')).toContain('smallpond-0.15.0')
    }, 320_000)

    it('reuses the stored wheel on a re-run (checksum matches): nothing is built', async () => {
      const log = opt('node1', 'smallpond-build', 'build.log')
      const before = statSync(log).size
      const result = await install()
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      expect(result.json.smallpondBuild).toMatchObject({reused: true, commit: repo.commit})
      expect(statSync(log).size).toBe(before)
    }, 320_000)

    it('builds again when the stored wheel no longer matches its checksum', async () => {
      const stored = join(cache, 'smallpond')
      const dirs = readdirSync(stored).filter((name) => /^[0-9a-f]{16}$/.test(name))
      expect(dirs).toHaveLength(1)
      appendFileSync(join(stored, dirs[0]!, 'smallpond-0.15.0-py3-none-any.whl'), 'tampered')
      const log = opt('node1', 'smallpond-build', 'build.log')
      const before = statSync(log).size
      const result = await install()
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      expect(result.json.smallpondBuild.reused).toBe(false)
      expect(statSync(log).size).toBeGreaterThan(before)
    }, 320_000)

    it("takes the venv path from cluster.yml's python.venv, and --venv overrides it (install and verify)", async () => {
      const withVenv = hosts.writeCluster({username: hosts.env.USER_NOPW})
      writeFileSync(withVenv, `${readFileSync(withVenv, 'utf8')}python:\n  venv: /opt/3fs/envs/sp\n`)
      const result = await runCli(
        [
          'python',
          'install',
          '-c',
          withVenv,
          '--json',
          '--duckdb-wheel',
          wheels.duckdb,
          '--smallpond-wheel',
          wheels.smallpond,
          '--wheelhouse',
          wheels.wheelhouse,
        ],
        {env: env(), timeoutMs: 300_000},
      )
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      expect(result.json.venv).toBe('/opt/3fs/envs/sp')
      expect(readlinkSync(opt('node2', 'envs', 'sp'))).toMatch(/^\/opt\/3fs\/envs\/sp\.releases\//)
      const verifyPlan = await runCli(['python', 'verify', '-c', withVenv, '--plan', '--json'])
      expect(verifyPlan.json.venv).toBe('/opt/3fs/envs/sp')
      const overridden = await runCli([
        'python',
        'verify',
        '-c',
        withVenv,
        '--plan',
        '--json',
        '--venv',
        '/opt/3fs/other',
      ])
      expect(overridden.json.venv).toBe('/opt/3fs/other')
      expect(overridden.json.steps[0]).toMatch(/^\/opt\/3fs\/other\/bin\/python: import duckdb/)
    }, 320_000)
  },
)
