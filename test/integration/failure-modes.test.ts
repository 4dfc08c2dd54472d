/**
 * Failure modes through the built CLI on this machine, with no container engine and no test hosts:
 * nodes that cannot be reached, probes that hang, graysort steps that fail, image exports that fail.
 * Every answer must name what failed and exit with the documented code. Loopback only.
 */
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runCli} from '../helpers/cli.js'

const BIN = join(ROOT, 'bin', 'run.js')

const work = mkdtempSync(join(tmpdir(), '3fs-cli-failures-'))

function cluster(name: string, node: string, extra = ''): string {
  const path = join(work, `${name}.yml`)
  writeFileSync(
    path,
    `name: ${name}
nodes:
  - ${node}
services:
  fdb: {nodes: [a]}
  clickhouse: {nodes: [a]}
  monitor: {nodes: [a]}
  mgmtd: {nodes: [a]}
  meta: {nodes: [a]}
  storage: {nodes: [a], diskType: dir, replicationFactor: 1}
  client: {nodes: [a], hostMountpoint: ${join(work, 'mnt')}}
${extra}`,
  )
  return path
}

/** A fake container engine: a shell script with the given body ($@ are docker's arguments). */
function runtime(name: string, body: string): string {
  const path = join(work, name)
  writeFileSync(path, `#!/bin/sh\necho "$$" >> ${join(work, `${name}.pids`)}\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z')
  } catch {
    return false
  }
}

/** This machine as a node: 3fs-cli runs its commands directly, without SSH. */
const LOCAL_NODE = `{name: a, host: 127.0.0.1, username: ${userInfo().username}}`

describe('check on a node that cannot be reached', () => {
  let frozen: Server
  const sockets: Socket[] = []
  beforeAll(async () => {
    // Accepts TCP and never speaks SSH: a hung sshd.
    frozen = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => {
    for (const socket of sockets) socket.destroy()
    frozen.close()
  })

  it('names a node where nothing listens (connection refused) and exits 5', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as {port: number}).port
    await new Promise((resolve) => closed.close(resolve))
    const result = await runCli([
      'check',
      '-c',
      cluster('refused', `{name: a, host: 127.0.0.1, port: ${port}, username: root, password: pw}`),
      '--json',
    ])
    expect(result.exitCode).toBe(5)
    expect(result.json).toMatchObject({ok: false, unreachable: 1})
    expect(result.json.nodes[0]).toMatchObject({node: 'a', ok: false})
    expect(result.json.nodes[0].checks[0]).toMatchObject({check: 'ssh', status: 'fail'})
    expect(result.json.nodes[0].checks[0].detail).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`))
  })

  it('names a node whose sshd never answers, after the connect timeout, and exits 5', async () => {
    const port = (frozen.address() as {port: number}).port
    const result = await runCli([
      'check',
      '-c',
      cluster(
        'frozen',
        `{name: a, host: 127.0.0.1, port: ${port}, username: root, password: pw}`,
        'ssh: {connectTimeout: 1s}\n',
      ),
      '--json',
    ])
    expect(result.exitCode).toBe(5)
    expect(result.json).toMatchObject({ok: false, unreachable: 1})
    expect(result.json.nodes[0].checks[0].detail).toMatch(/no SSH handshake/)
  })
})

describe('status when a probe hangs', () => {
  it('gives up at --timeout, names the node, and leaves no probe running (even one that ignores TERM inside `timeout`)', async () => {
    // The probe scripts wrap engine calls in `timeout 20`, which moves them out of the command's process
    // group; this engine also ignores TERM, so only a KILL of the whole session stops it.
    const hung = runtime('hung-docker', 'trap "" TERM\nexec sleep 300')
    const result = await runCli(
      ['status', '-c', cluster('hung', LOCAL_NODE), '--runtime', hung, '--timeout', '2s', '--json'],
      {timeoutMs: 90_000},
    )
    expect(result.exitCode, result.stderr).toBe(4)
    expect(result.json.verdict).toBe('DOWN')
    expect(result.json.nodes[0]).toMatchObject({
      name: 'a',
      reachable: false,
      error: {kind: 'timeout', message: 'status probe did not finish within 2 s'},
    })
    expect(result.json.problems.map((problem: any) => problem.subject)).toEqual(expect.arrayContaining(['mgmtd', 'a']))
    const pids = readFileSync(join(work, 'hung-docker.pids'), 'utf8').trim().split('\n').map(Number)
    expect(pids.length).toBeGreaterThan(0)
    // Stopping is TERM, then KILL a second later, in the background: give it a few seconds.
    for (let attempt = 0; attempt < 20 && pids.some(alive); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 250))
    expect(pids.filter(alive)).toEqual([])
  })
})

describe('graysort failures', () => {
  it('validate --expect-records: a count that does not match fails and says both numbers', async () => {
    const dir = join(work, 'gs-count')
    mkdirSync(dir)
    const gen = await runCli([
      'bench',
      'graysort',
      'gen',
      '--records',
      '1000',
      '--output',
      join(dir, 'in.dat'),
      '--json',
    ])
    expect(gen.exitCode).toBe(0)
    const sorted = await runCli([
      'bench',
      'graysort',
      'sort',
      '--input',
      join(dir, 'in.dat'),
      '--output',
      join(dir, 'out'),
      '--partitions',
      '2',
      '--json',
    ])
    expect(sorted.exitCode).toBe(0)
    const result = await runCli([
      'bench',
      'graysort',
      'validate',
      join(dir, 'out'),
      '--expect-records',
      '1001',
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    expect(result.json).toMatchObject({ok: false, records: 1000, unordered: 0})
    expect(result.json.problems).toEqual([{path: '(all)', problem: '1000 records, expected 1001'}])
    const checksum = await runCli([
      'bench',
      'graysort',
      'validate',
      join(dir, 'out'),
      '--expect-records',
      '1000',
      '--expect-checksum',
      '0123',
      '--json',
    ])
    expect(checksum.exitCode).toBe(1)
    expect(checksum.json.problems).toEqual([{path: '(all)', problem: `checksum ${gen.json.checksum}, expected 0123`}])
  })

  it('gen: an output path that cannot be written fails with the reason', async () => {
    writeFileSync(join(work, 'a-file'), 'x')
    const result = await runCli([
      'bench',
      'graysort',
      'gen',
      '--records',
      '1000',
      '--output',
      join(work, 'a-file', 'in.dat'),
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(/a-file\/in\.dat/)
    expect(result.json.error.message).toMatch(/Not a directory|cannot|failed/i)
  })

  it('sort: a missing input, and an input that is not whole records, are usage errors saying so', async () => {
    const missing = await runCli([
      'bench',
      'graysort',
      'sort',
      '--input',
      join(work, 'nowhere'),
      '--output',
      join(work, 'out-missing'),
      '--json',
    ])
    expect(missing.exitCode).toBe(2)
    expect(missing.json.error.message).toBe(`${join(work, 'nowhere')} does not exist`)
    writeFileSync(join(work, 'ragged.dat'), Buffer.alloc(150))
    const ragged = await runCli([
      'bench',
      'graysort',
      'sort',
      '--input',
      join(work, 'ragged.dat'),
      '--output',
      join(work, 'out-ragged'),
      '--json',
    ])
    expect(ragged.exitCode).toBe(2)
    expect(ragged.json.error.message).toBe('the input is 150 bytes, not a whole number of 100-byte records')
  })

  it('sort and run: the usrbio engine without its library fails naming the library, and removes what it wrote', async () => {
    const dir = join(work, 'gs-usrbio')
    mkdirSync(dir, {recursive: true})
    const result = await runCli([
      'bench',
      'graysort',
      'run',
      '--records',
      '10000',
      '--engine',
      'usrbio',
      '--usrbio-lib',
      '/nonexistent/libhf3fs_api_shared.so',
      '--dir',
      dir,
      '--mount',
      dir,
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(/libhf3fs_api_shared\.so/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('engines: an engine that cannot run here says why, and auto still picks one that works', async () => {
    const result = await runCli([
      'bench',
      'engines',
      '--usrbio-lib',
      '/nonexistent/libhf3fs_api_shared.so',
      '--dir',
      join(work),
      '--json',
    ])
    expect(result.exitCode).toBe(0)
    const usrbio = result.json.engines.find((probe: any) => probe.engine === 'usrbio')
    expect(usrbio).toMatchObject({works: false})
    expect(usrbio.reason).toMatch(/libhf3fs_api_shared\.so|not a 3FS mount|usrbio/)
    expect(result.json.engines.find((probe: any) => probe.engine === result.json.auto)).toMatchObject({works: true})
  })
})

describe('artifact export failures', () => {
  it('names the machine and the engine error when an image cannot be pulled, and writes nothing', async () => {
    const engine = runtime(
      'no-registry',
      'case "$1" in image) exit 1;; pull) echo "Error response from daemon: pull access denied for $3" >&2; exit 1;; esac\nexit 0',
    )
    const output = join(work, 'pull.tar')
    const result = await runCli([
      'artifact',
      'export',
      '-c',
      cluster('pull', LOCAL_NODE),
      '--runtime',
      engine,
      '--output',
      output,
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(/^exporting the images failed on local: .*pull access denied/)
    expect(existsSync(output)).toBe(false)
  })

  it('leaves neither the tarball nor a partial one when save fails half way', async () => {
    const engine = runtime(
      'save-fails',
      'case "$1" in save) printf partial > "$3"; echo "write /x: no space left on device" >&2; exit 1;; esac\nexit 0',
    )
    const output = join(work, 'save.tar')
    const result = await runCli([
      'artifact',
      'export',
      '-c',
      cluster('save', LOCAL_NODE),
      '--runtime',
      engine,
      '--output',
      output,
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(/no space left on device/)
    expect(existsSync(output)).toBe(false)
    expect(existsSync(`${output}.partial`)).toBe(false)
  })

  it('names a container engine that is not installed (exit 1) and writes nothing', async () => {
    const output = join(work, 'no-engine.tar')
    const result = await runCli([
      'artifact',
      'export',
      '-c',
      cluster('no-engine', LOCAL_NODE),
      '--runtime',
      join(work, 'no-such-docker'),
      '--output',
      output,
      '--json',
    ])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(/^exporting the images failed on local: .*no-such-docker.*not found/)
    expect(result.json.error.next[0]).toMatch(/no-such-docker runs there/)
    expect(existsSync(output)).toBe(false)
  })

  it('a save stopped by SIGTERM exits 143, leaves no partial tarball, and no engine process running', async () => {
    const engine = runtime('save-hangs', 'case "$1" in save) printf partial > "$3"; exec sleep 60;; esac\nexit 0')
    const output = join(work, 'stopped.tar')
    const child = execa(
      'node',
      [
        BIN,
        'artifact',
        'export',
        '-c',
        cluster('stopped', LOCAL_NODE),
        '--runtime',
        engine,
        '--output',
        output,
        '--json',
      ],
      {reject: false, env: {NO_COLOR: '1'}},
    )
    for (let i = 0; i < 300 && !existsSync(`${output}.partial`); i++) await new Promise((r) => setTimeout(r, 100))
    expect(existsSync(`${output}.partial`)).toBe(true)
    child.kill('SIGTERM')
    const result = await child
    expect(result.exitCode).toBe(143)
    expect(JSON.parse(result.stdout).error.exitCode).toBe(143)
    expect(existsSync(`${output}.partial`)).toBe(false)
    expect(existsSync(output)).toBe(false)
    const pids = readFileSync(join(work, 'save-hangs.pids'), 'utf8').trim().split('\n').map(Number)
    // The save (exec'd into sleep) is stopped with the CLI's process group, within the kill grace.
    await new Promise((r) => setTimeout(r, 2500))
    expect(pids.filter(alive)).toEqual([])
  })

  it('refuses --node that is not in cluster.yml (exit 2) and names an unreachable --node (exit 5)', async () => {
    const unknown = await runCli(['artifact', 'export', '-c', cluster('unknown', LOCAL_NODE), '--node', 'b', '--json'])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.json.error.message).toMatch(/--node b is not a node of/)
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as {port: number}).port
    await new Promise((resolve) => closed.close(resolve))
    const unreachable = await runCli([
      'artifact',
      'export',
      '-c',
      cluster('away', `{name: a, host: 127.0.0.1, port: ${port}, username: root, password: pw}`),
      '--node',
      'a',
      '--json',
    ])
    expect(unreachable.exitCode).toBe(5)
    expect(unreachable.json.error.message).toMatch(/connection refused/)
  })
})
