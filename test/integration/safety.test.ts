/**
 * Issue 15, through the built CLI: a user's files survive every command, failure and signal; bad input
 * is a usage error (exit 2) naming what to fix, never a stack trace or a hang; signals exit 130/143/129
 * after cleaning up.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hostsAvailable, TestHosts} from '../hosts/harness.js'
import {ROOT, runCli} from '../helpers/cli.js'

const BIN = join(ROOT, 'bin', 'run.js')
const scratch = () => mkdtempSync(join(tmpdir(), '3fs-cli-safety-'))

/** Every file under dir with its content, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (path: string, prefix: string) => {
    for (const entry of readdirSync(path, {withFileTypes: true})) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`)
      else out[`${prefix}${entry.name}`] = readFileSync(full, 'utf8')
    }
  }
  walk(dir, '')
  return out
}

function userFiles(dir: string): void {
  for (const sub of ['input', 'output', 'work', '.work']) {
    mkdirSync(join(dir, sub), {recursive: true})
    writeFileSync(join(dir, sub, 'dataset.parquet'), `precious ${sub}\n`)
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return check()
}

describe('graysort never deletes what it did not create', () => {
  it('run --dir D keeps D/input, D/output, D/work and their files, and removes only its own run directory', async () => {
    const dir = scratch()
    userFiles(dir)
    const before = snapshot(dir)
    const result = await runCli(['bench', 'graysort', 'run', '--dir', dir, '--records', '20000', '--json'])
    expect(result.exitCode).toBe(0)
    expect(result.json.verdict).toBe('PASS')
    expect(result.json.dir.startsWith(`${dir}/`)).toBe(true)
    expect(snapshot(dir)).toEqual(before)
  })

  it('run --dir D --keep leaves the output in a new marked run directory inside D', async () => {
    const dir = scratch()
    userFiles(dir)
    const result = await runCli(['bench', 'graysort', 'run', '--dir', dir, '--records', '2000', '--keep', '--json'])
    expect(result.exitCode).toBe(0)
    const files = snapshot(dir)
    expect(files['input/dataset.parquet']).toBe('precious input\n')
    const run = result.json.dir as string
    expect(existsSync(join(run, '.3fs-cli-run'))).toBe(true)
    expect(readdirSync(join(run, 'output')).length).toBeGreaterThan(0)
  })

  it('sort -o OUT refuses an output directory that is not empty, naming it, and leaves OUT/.work alone', async () => {
    const dir = scratch()
    userFiles(dir)
    const input = join(dir, 'in.dat')
    expect((await runCli(['bench', 'graysort', 'gen', '--records', '2000', '--output', input])).exitCode).toBe(0)
    const before = snapshot(dir)
    const result = await runCli(['bench', 'graysort', 'sort', '-i', input, '-o', join(dir, 'output'), '--json'])
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain(`${join(dir, 'output')} is not empty`)
    expect(result.json.error.next.join(' ')).toMatch(/new or empty directory/)
    const dotWork = await runCli(['bench', 'graysort', 'sort', '-i', input, '-o', dir, '--json'])
    expect(dotWork.exitCode).toBe(2)
    expect(snapshot(dir)).toEqual(before)
  })

  it('sort into a new directory works, a second sort into it is refused, and -i D -o D is refused', async () => {
    const dir = scratch()
    const input = join(dir, 'in.dat')
    expect((await runCli(['bench', 'graysort', 'gen', '--records', '5000', '--output', input])).exitCode).toBe(0)
    const out = join(dir, 'sorted')
    const first = await runCli(['bench', 'graysort', 'sort', '-i', input, '-o', out, '--json'])
    expect(first.exitCode).toBe(0)
    // Only part files: the run's work directory is gone.
    expect(readdirSync(out).every((name) => /^part-\d+\.dat$/.test(name))).toBe(true)
    const again = await runCli(['bench', 'graysort', 'sort', '-i', input, '-o', out, '--json'])
    expect(again.exitCode).toBe(2)
    const self = await runCli(['bench', 'graysort', 'sort', '-i', out, '-o', out, '--json'])
    expect(self.exitCode).toBe(2)
    expect(self.json.error.message).toMatch(/overlap/)
    const valid = await runCli(['bench', 'graysort', 'validate', out, '--expect-records', '5000', '--json'])
    expect(valid.exitCode).toBe(0)
  })
})

describe('signals: one handler, documented codes, cleanup first', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s during graysort run --json exits %i and leaves no run files', async (signal, code) => {
    const dir = scratch()
    userFiles(dir)
    const before = snapshot(dir)
    const child = execa('node', [BIN, 'bench', 'graysort', 'run', '--dir', dir, '--records', '50000000', '--json'], {
      reject: false,
      env: {NO_COLOR: '1'},
    })
    // Wait until the run has files on disk, then signal only this child.
    expect(
      await waitFor(
        () =>
          readdirSync(dir).some((name) => name.startsWith('3fs-cli-graysort-') && existsSync(join(dir, name, 'input'))),
        30_000,
      ),
    ).toBe(true)
    child.kill(signal)
    const result = await child
    expect(result.exitCode).toBe(code)
    expect(JSON.parse(result.stdout).error.exitCode).toBe(code)
    expect(snapshot(dir)).toEqual(before)
    expect(readdirSync(dir).filter((name) => name.startsWith('3fs-cli-'))).toEqual([])
  })

  it('Ctrl-C on a terminal (listr2 drawing) exits 130 with a message, not 127, and cleans up', async () => {
    const dir = scratch()
    const command = `exec node ${BIN} bench graysort run --dir ${dir} --records 50000000`
    const script = execa('script', ['-qec', command, '/dev/null'], {reject: false, env: {NO_COLOR: '1', TERM: 'xterm'}})
    expect(await waitFor(() => readdirSync(dir).some((name) => existsSync(join(dir, name, 'input'))), 30_000)).toBe(
      true,
    )
    const cli = Number(execFileSync('pgrep', ['-P', String(script.pid)], {encoding: 'utf8'}).trim())
    process.kill(cli, 'SIGINT')
    const result = await script
    expect(result.exitCode).toBe(130)
    expect(String(result.stdout)).toContain('interrupted')
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('bad input is exit 2 with what to do, never a stack trace or a hang', () => {
  it('config validate on a FIFO returns at once', async () => {
    const dir = scratch()
    execFileSync('mkfifo', [join(dir, 'cluster.yml')])
    const result = await runCli(['config', 'validate', '-c', join(dir, 'cluster.yml'), '--json'], {timeoutMs: 15_000})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain('not a regular file')
  })

  it('config validate on an undefined alias names the line', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'c.yml'), 'name: t\nworkDir: *nowhere\n')
    const result = await runCli(['config', 'validate', '-c', join(dir, 'c.yml'), '--json'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).not.toContain('Bug in 3fs-cli')
    expect(result.json.error.problems[0]).toMatchObject({line: 2, path: '(yaml)'})
  })

  it.each([
    [['bench', 'throughput', '--runtime', '99999999h', '--size', '1MiB']],
    [['bench', 'throughput', '--runtime', '596h32m', '--size', '1MiB']],
  ])('a duration of 2^31 ms or more is refused: %j', async (args) => {
    const result = await runCli([...args, '--json'], {timeoutMs: 30_000})
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain('596h')
  })
})

describe.skipIf(!hostsAvailable())('on SSH test hosts', () => {
  let hosts: TestHosts
  beforeAll(() => {
    hosts = TestHosts.start(2)
  })
  afterAll(() => {
    hosts?.down()
  })

  it.each(['', ',,,', ' , '])('exec --nodes %j is an error, not every node', async (nodes) => {
    const config = hosts.writeCluster()
    const result = await runCli(['exec', '-c', config, '--nodes', nodes, '--json', '--', 'hostname'])
    expect(result.exitCode).toBe(2)
    expect(result.json.error.message).toContain('--nodes names no node')
  })

  it('exec --timeout 600h is refused before any node is touched', async () => {
    const config = hosts.writeCluster()
    const result = await runCli(['exec', '-c', config, '--timeout', '600h', '--json', '--', 'hostname'])
    expect(result.exitCode).toBe(2)
  })

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const)(
    '%s to exec stops the remote command and exits %i',
    async (signal, code) => {
      const config = hosts.writeCluster({nodes: ['node1']})
      const seconds = String(3000 + Math.floor(Math.random() * 900))
      const child = execa('node', [BIN, 'exec', '-c', config, '--json', '--', `echo started; sleep ${seconds}`], {
        reject: false,
        env: {NO_COLOR: '1', HOME: scratch(), SSH_AUTH_SOCK: undefined},
      })
      let running = false
      for (let attempt = 0; attempt < 100 && !running; attempt++) {
        const probe = await runCli(['exec', '-c', config, '--json', '--', `pgrep -f "slee[p] ${seconds}" >/dev/null`])
        running = probe.exitCode === 0
        if (!running) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(running).toBe(true)
      child.kill(signal)
      const result = await child
      expect(result.exitCode).toBe(code)
      let gone = false
      for (let attempt = 0; attempt < 50 && !gone; attempt++) {
        const probe = await runCli(['exec', '-c', config, '--json', '--', `! pgrep -f "slee[p] ${seconds}" >/dev/null`])
        gone = probe.exitCode === 0
        if (!gone) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(gone).toBe(true)
    },
    120_000,
  )
})
