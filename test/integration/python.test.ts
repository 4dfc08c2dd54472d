/**
 * python install / verify through the built CLI against real sshd test hosts, with STAND-IN wheels
 * built by the test (test/fixtures/python-standin.ts): the real duckdb-3fs and smallpond-3fs wheels
 * cannot be built or fetched here (no index). Real: SSH, python3 -m venv and pip on the nodes, pip
 * --no-index from a wheelhouse (the stand-in duckdb needs a dependency found only there), the atomic
 * swap of the venv link, the verify program, real DuckDB writing and reading Parquet on the shared
 * /3fs. Not real: the threefs extension and usrbio, the real smallpond.
 */
import {existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeStandinWheels, type StandinWheels} from '../fixtures/python-standin.js'
import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {ROOT, runCli} from '../helpers/cli.js'

const available = hostsAvailable()

describe.skipIf(!available)(
  'python install and verify on real SSH test hosts (stand-in duckdb and smallpond wheels)',
  () => {
    let hosts: TestHosts
    let config: string
    let wheels: StandinWheels
    const opt = (node: string, ...path: string[]) => join(hosts.dir, 'nodes', node, 'opt3fs', ...path)
    const installArgs = (set: StandinWheels, ...extra: string[]) => [
      'python',
      'install',
      '-c',
      config,
      '--json',
      '--duckdb-wheel',
      set.duckdb,
      '--smallpond-wheel',
      set.smallpond,
      ...extra,
    ]
    const venvPython = async (code: string) => {
      const result = await runCli([
        'exec',
        '-c',
        config,
        '--json',
        '--',
        `/opt/3fs/python/venv/bin/python -c '${code}'`,
      ])
      return result.json.nodes.map((node: any) => node.stdout.trim())
    }

    beforeAll(() => {
      hosts = TestHosts.start(2)
      config = hosts.writeCluster({username: hosts.env.USER_NOPW})
      wheels = writeStandinWheels(mkdtempSync(join(tmpdir(), 'python-standin-')), {root: ROOT})
    })

    afterAll(() => {
      hosts?.down()
    })

    it('--plan lists the steps and changes nothing on the nodes', async () => {
      const result = await runCli(installArgs(wheels, '--wheelhouse', wheels.wheelhouse, '--plan'))
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json).toMatchObject({
        plan: true,
        venv: '/opt/3fs/python/venv',
        index: 'wheelhouse',
        wheels: ['duckdb-1.2.2-py3-none-any.whl', 'smallpond-0.15.0-py3-none-any.whl'],
      })
      expect(result.json.steps.join('\n')).toContain('--no-index --find-links /opt/3fs/python/wheelhouse')
      expect(existsSync(opt('node1', 'python'))).toBe(false)
    })

    it('installs into a venv from the wheelhouse with no index (pip --no-index), not into the system site-packages', async () => {
      const result = await runCli(installArgs(wheels, '--wheelhouse', wheels.wheelhouse))
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      for (const node of result.json.nodes) {
        expect(node.ok).toBe(true)
        expect(node.packages).toMatchObject({duckdb: '1.2.2', smallpond: '0.15.0', standin_dep: '1.0'})
        expect(node.previous).toBeUndefined()
      }
      for (const node of ['node1', 'node2']) {
        expect(lstatSync(opt(node, 'python', 'venv')).isSymbolicLink()).toBe(true)
        expect(readlinkSync(opt(node, 'python', 'venv'))).toBe(result.json.nodes[0].release)
      }
      expect(await venvPython('import duckdb, smallpond; print(duckdb.__version__)')).toEqual(['1.2.2', '1.2.2'])
      const system = await runCli([
        'exec',
        '-c',
        config,
        '--json',
        '--',
        "python3 -c 'import duckdb' 2>&1 || echo absent",
      ])
      expect(system.json.nodes.map((node: any) => node.stdout.trim().split('\n').at(-1))).toEqual(['absent', 'absent'])
    })

    it('a failing install changes nothing: the old venv stays the current one and still works', async () => {
      const before = readlinkSync(opt('node1', 'python', 'venv'))
      const broken = writeStandinWheels(mkdtempSync(join(tmpdir(), 'python-broken-')), {
        root: ROOT,
        duckdbVersion: '1.3.0',
        brokenImport: true,
      })
      const result = await runCli(installArgs(broken, '--wheelhouse', broken.wheelhouse))
      expect(result.exitCode).toBe(1)
      for (const node of result.json.nodes) {
        expect(node.ok).toBe(false)
        expect(node.error).toMatch(/previous venv left in place.*stand-in smallpond built broken on purpose/)
      }
      for (const node of ['node1', 'node2']) {
        expect(readlinkSync(opt(node, 'python', 'venv'))).toBe(before)
        expect(readdirSync(opt(node, 'python', 'venv.releases'))).toEqual([before.split('/').at(-1)])
      }
      expect(await venvPython('import duckdb, smallpond; print(duckdb.__version__)')).toEqual(['1.2.2', '1.2.2'])
    })

    it('a failing pip (a dependency found in no index: no --wheelhouse) changes nothing either', async () => {
      const before = readlinkSync(opt('node1', 'python', 'venv'))
      const next = writeStandinWheels(mkdtempSync(join(tmpdir(), 'python-noindex-')), {
        root: ROOT,
        duckdbVersion: '1.4.0',
      })
      const result = await runCli(installArgs(next))
      expect(result.exitCode).toBe(1)
      expect(result.json.index).toBe('node')
      for (const node of result.json.nodes) {
        expect(node.ok).toBe(false)
        expect(node.error).toMatch(/previous venv left in place.*standin-dep/)
      }
      for (const node of ['node1', 'node2']) {
        expect(readlinkSync(opt(node, 'python', 'venv'))).toBe(before)
        expect(readdirSync(opt(node, 'python', 'venv.releases'))).toEqual([before.split('/').at(-1)])
      }
    })

    it('a successful reinstall switches the link to the new venv and keeps the previous one', async () => {
      const before = readlinkSync(opt('node1', 'python', 'venv'))
      const next = writeStandinWheels(mkdtempSync(join(tmpdir(), 'python-next-')), {root: ROOT, duckdbVersion: '1.3.0'})
      const result = await runCli(installArgs(next, '--wheelhouse', next.wheelhouse))
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      expect(result.json.nodes.map((node: any) => [node.ok, node.previous, node.packages.duckdb])).toEqual([
        [true, before, '1.3.0'],
        [true, before, '1.3.0'],
      ])
      expect(readlinkSync(opt('node1', 'python', 'venv'))).not.toBe(before)
      expect(readdirSync(opt('node1', 'python', 'venv.releases'))).toHaveLength(2)
      expect(await venvPython('import duckdb; print(duckdb.__version__)')).toEqual(['1.3.0', '1.3.0'])
    })

    it('verify --plan --json lists the checks per node and runs nothing', async () => {
      const result = await runCli(['python', 'verify', '-c', config, '--json', '--plan', '--rows', '10'])
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json).toMatchObject({plan: true, ok: true, venv: '/opt/3fs/python/venv'})
      expect(result.json.nodes.map((node: any) => node.node)).toEqual(['node1', 'node2'])
      expect(result.json.steps.join('\n')).toMatch(/COPY 10 generated rows TO 3fs:\/\/3fs\/\.3fs-cli-python-verify/)
      expect(existsSync(join(hosts.dir, 'shared3fs', '.3fs-cli-python-verify'))).toBe(false)
    })

    it('verify runs DuckDB through 3fs:// and /3fs/ and smallpond hash-partitioned SQL on every node, then removes its files', async () => {
      const result = await runCli(['python', 'verify', '-c', config, '--json', '--rows', '3000', '--partitions', '2'], {
        timeoutMs: 600_000,
      })
      expect(result.exitCode, JSON.stringify(result.json ?? result.stderr)).toBe(0)
      for (const node of result.json.nodes) {
        expect(node).toMatchObject({
          ok: true,
          removed: true,
          duckdb: {ok: true},
          smallpond: {ok: true, groups: 13, expectedGroups: 13},
        })
        expect(node.duckdb.read3fs).toEqual(node.duckdb.expected)
        expect(node.duckdb.readPath).toEqual(node.duckdb.expected)
        expect(node.duckdb.expected[0]).toBe('3000')
        expect(node.ms.smallpond).toBeGreaterThan(0)
      }
      expect(readdirSync(join(hosts.dir, 'shared3fs', '.3fs-cli-python-verify'))).toEqual([])
    }, 660_000)

    it('verify names the node and the cause when the venv is missing', async () => {
      const result = await runCli([
        'python',
        'verify',
        '-c',
        config,
        '--json',
        '--venv',
        '/opt/3fs/no-such-venv',
        '--nodes',
        'node2',
      ])
      expect(result.exitCode).toBe(1)
      expect(result.json.nodes).toHaveLength(1)
      expect(result.json.nodes[0]).toMatchObject({node: 'node2', ok: false})
      expect(result.json.nodes[0].error).toMatch(/no-such-venv\/bin\/python exited with 127/)
    })
  },
)
