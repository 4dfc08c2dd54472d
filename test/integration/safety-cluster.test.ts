/**
 * Issue 15 #7/#8/#12 on real SSH test hosts: upload into an existing directory behaves as cp does and never
 * leaves a temp file; bench clean finds and removes only marked run directories on the shared mount; a run
 * that cannot reach a node leaves no run directory behind.
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {runCli} from '../helpers/cli.js'

describe.skipIf(!hostsAvailable())('safety on SSH test hosts', () => {
  let hosts: TestHosts
  let work: string

  beforeAll(() => {
    hosts = TestHosts.start(2)
    work = mkdtempSync(join(tmpdir(), '3fs-cli-safety-cluster-'))
  })
  afterAll(() => {
    hosts?.down()
  })

  it('upload FILE DIR puts the file inside the existing directory (as cp does), with no temp file left', async () => {
    const file = join(work, 'plain.txt')
    writeFileSync(file, 'plain\n')
    const config = hosts.writeCluster()
    await runCli(['exec', '-c', config, '--', 'mkdir -p /opt/3fs/into && echo keep > /opt/3fs/into/other'])
    const result = await runCli(['upload', '-c', config, '--json', file, '/opt/3fs/into'])
    expect(result.exitCode).toBe(0)
    expect(result.json.summary).toMatchObject({sent: 2, failed: 0})
    expect(result.json.nodes.map((node: any) => node.path)).toEqual([
      '/opt/3fs/into/plain.txt',
      '/opt/3fs/into/plain.txt',
    ])
    const listing = await runCli([
      'exec',
      '-c',
      config,
      '--json',
      '--',
      'ls -A /opt/3fs/into; cat /opt/3fs/into/plain.txt; ls -A /opt/3fs | grep -c 3fs-cli-tmp || true',
    ])
    for (const node of listing.json.nodes) expect(node.stdout).toBe('other\nplain.txt\nplain\n0\n')
    // Again: the copy inside is found and skipped; a trailing slash means the same directory.
    const again = await runCli(['upload', '-c', config, '--json', file, '/opt/3fs/into/'])
    expect(again.json.summary).toMatchObject({sent: 0, skipped: 2})
  })

  it('upload FILE DIR refuses when DIR/<name> is itself a directory, and changes nothing', async () => {
    const file = join(work, 'clash')
    writeFileSync(file, 'x\n')
    const config = hosts.writeCluster({nodes: ['node1']})
    await runCli([
      'exec',
      '-c',
      config,
      '--',
      'mkdir -p /opt/3fs/clashdir/clash && echo keep > /opt/3fs/clashdir/clash/data',
    ])
    const result = await runCli(['upload', '-c', config, '--json', file, '/opt/3fs/clashdir'])
    expect(result.exitCode).toBe(1)
    expect(result.json.nodes[0].error.message).toContain('/opt/3fs/clashdir/clash is a directory, not a file')
    const listing = await runCli([
      'exec',
      '-c',
      config,
      '--json',
      '--',
      'ls -A /opt/3fs/clashdir /opt/3fs/clashdir/clash',
    ])
    expect(listing.json.nodes[0].stdout).toBe('/opt/3fs/clashdir:\nclash\n\n/opt/3fs/clashdir/clash:\ndata\n')
  })

  it('bench clean -c lists marked run directories on the mount and removes only them with --remove', async () => {
    const shared = join(hosts.dir, 'shared3fs')
    const graysort = join(shared, 'graysort')
    mkdirSync(join(graysort, 'run-20260101T000000-0badc0de', 'input'), {recursive: true})
    writeFileSync(join(graysort, 'run-20260101T000000-0badc0de', '.3fs-cli-run'), 'run-20260101T000000-0badc0de\n')
    writeFileSync(join(graysort, 'run-20260101T000000-0badc0de', 'input', 'input-00000.dat'), Buffer.alloc(1000))
    mkdirSync(join(graysort, 'run-20260101T000000-userdata'), {recursive: true})
    writeFileSync(join(graysort, 'run-20260101T000000-userdata', 'dataset.parquet'), 'precious\n')
    mkdirSync(join(shared, 'proj', 'run-x'), {recursive: true})
    writeFileSync(join(shared, 'proj', 'run-x', '.3fs-cli-run'), 'run-20260101T000000-0badc0de\n')
    const config = hosts.writeCluster()
    const listed = await runCli(['bench', 'clean', '-c', config, '--json'])
    expect(listed.exitCode).toBe(0)
    expect(listed.json.runs.map((run: any) => run.dir)).toEqual(['/3fs/graysort/run-20260101T000000-0badc0de'])
    expect(existsSync(join(graysort, 'run-20260101T000000-0badc0de'))).toBe(true)
    const removed = await runCli(['bench', 'clean', '-c', config, '--remove', '--json'])
    expect(removed.json.removed).toBe(1)
    expect(readdirSync(graysort)).toEqual(['run-20260101T000000-userdata'])
    expect(readFileSync(join(graysort, 'run-20260101T000000-userdata', 'dataset.parquet'), 'utf8')).toBe('precious\n')
    // --dir names another parent; a forged marker there is not ours.
    const proj = await runCli(['bench', 'clean', '-c', config, '--dir', '/3fs/proj', '--remove', '--json'])
    expect(proj.json.runs).toEqual([])
    expect(existsSync(join(shared, 'proj', 'run-x'))).toBe(true)
  })

  it('a run that cannot reach one node leaves no run-* directory on the mount', async () => {
    const config = hosts.writeCluster({connectTimeout: '2s'})
    const runs = join(hosts.dir, 'shared3fs', 'throughput')
    hosts.stopNode('node2')
    try {
      const result = await runCli(
        ['bench', 'throughput', '-c', config, '--size', '1MiB', '--bs', '64KiB', '--no-direct', '--json'],
        {timeoutMs: 90_000},
      )
      expect(result.exitCode).toBe(5)
      expect(result.json.error.message).toContain('node2')
    } finally {
      hosts.startNode('node2')
    }
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([])
  })

  it('a run whose only node is lost mid-run prints the bench clean command, and that command removes the files', async () => {
    // A user without a login profile: killing a root login shell mid-start (pyenv rehash) leaves a lock behind.
    const config = hosts.writeCluster({nodes: ['node1'], connectTimeout: '2s', username: hosts.env.USER_NOPW})
    const runs = join(hosts.dir, 'shared3fs', 'throughput')
    const before = existsSync(runs) ? readdirSync(runs) : []
    const run = runCli(
      [
        'bench',
        'throughput',
        '-c',
        config,
        '--rw',
        'write',
        '--size',
        '4MiB',
        '--bs',
        '64KiB',
        '--no-direct',
        '--runtime',
        '60s',
        '--json',
      ],
      {timeoutMs: 120_000},
    )
    let finished = false
    void run.then((early) => {
      finished = true
      if (!started)
        console.log(
          'run ended before its directory appeared:',
          early.exitCode,
          early.stdout.slice(0, 2000),
          early.stderr.slice(0, 2000),
        )
    })
    let started = false
    for (let attempt = 0; attempt < 600 && !started && !finished; attempt++) {
      // Running: the workload's files are there beside the marker (so the removal at the end is what fails).
      started =
        existsSync(runs) &&
        readdirSync(runs).some(
          (name) =>
            !before.includes(name) &&
            existsSync(join(runs, name, '.3fs-cli-run')) &&
            readdirSync(join(runs, name)).length > 1,
        )
      if (!started) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(started).toBe(true)
    hosts.stopNode('node1')
    let result
    try {
      result = await run
    } finally {
      hosts.startNode('node1')
    }
    expect([1, 5], result.stderr + result.stdout).toContain(result.exitCode)
    const command = /Remove them with: (3fs-cli bench clean .*--remove)/.exec(result.stderr)?.[1]
    expect(command).toBe(`3fs-cli bench clean -c ${config} --dir /3fs/throughput --remove`)
    const left = readdirSync(runs).filter((name) => !before.includes(name))
    expect(left).toHaveLength(1)
    const cleaned = await runCli([...command!.split(' ').slice(1), '--json'], {timeoutMs: 60_000})
    expect(cleaned.exitCode).toBe(0)
    expect(cleaned.json.runs.map((entry: any) => entry.dir)).toEqual([`/3fs/throughput/${left[0]}`])
    expect(readdirSync(runs).filter((name) => !before.includes(name))).toEqual([])
  }, 180_000)
})
