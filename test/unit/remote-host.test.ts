/**
 * BaseHost's own logic (sudo modes, the script it builds, timeouts, errors, log lines, stopping process
 * groups) over a recording spawn: the spawn is the only part that differs between local and SSH nodes,
 * and local-host.test.ts and the SSH integration tests run it for real. Here the stand-in spawn answers
 * as sudo and sh would, so each branch of BaseHost is pinned exactly.
 */
import {afterEach, describe, expect, it} from 'vitest'

import {setLogSink, redact} from '../../src/log.js'
import {CommandFailedError, RemoteError} from '../../src/remote/errors.js'
import {BaseHost, KILL_GRACE_MS, killGroupScript, type SpawnRequest, type SpawnResult} from '../../src/remote/host.js'

type Answer = Partial<SpawnResult> | ((request: SpawnRequest) => Partial<SpawnResult>)

/** A host whose spawn records each request and answers from a script-matching table. */
class RecordingHost extends BaseHost {
  readonly address = 'u@stand-in'
  readonly isLocal = false
  readonly requests: SpawnRequest[] = []

  constructor(
    private readonly answers: Array<[RegExp, Answer]> = [],
    private readonly root = false,
    options: {sudoPassword?: string; commandTimeoutMs?: number} = {},
  ) {
    super({name: 'n1', username: 'alice', commandTimeoutMs: options.commandTimeoutMs ?? 7000, ...options})
  }

  protected isRoot(): boolean {
    return this.root
  }

  protected async spawn(request: SpawnRequest): Promise<SpawnResult> {
    this.requests.push(request)
    const found = this.answers.find(([pattern]) => pattern.test(request.script))
    const answer = found ? (typeof found[1] === 'function' ? found[1](request) : found[1]) : {}
    return {
      exitCode: 0,
      stdout: Buffer.from(''),
      stderr: Buffer.from(''),
      timedOut: false,
      aborted: false,
      ...answer,
    }
  }

  stop(pgid: number, privileged: boolean): void {
    this.stopProcessGroup(pgid, privileged)
  }

  settle(): Promise<void> {
    return this.settleStops()
  }

  async close(): Promise<void> {
    await this.settleStops()
  }
}

const lines: string[] = []
afterEach(() => {
  setLogSink(undefined)
  lines.length = 0
})

describe('BaseHost: the script it runs', () => {
  it('quotes argv, prefixes env and cd, uses the node timeout by default and the asked one otherwise', async () => {
    const host = new RecordingHost()
    await host.run(['echo', 'a b'], {env: {X: '1'}, cwd: '/tmp/d ir'})
    expect(host.requests[0]).toMatchObject({
      script: "cd '/tmp/d ir' && export X=1; echo 'a b'",
      privileged: false,
      stdinPrefix: undefined,
      timeoutMs: 7000,
    })
    await host.run('true', {timeoutMs: 5})
    expect(host.requests[1]!.timeoutMs).toBe(5)
    expect(host.requests[1]!.script).toBe('true')
  })

  it('as root, sudo runs the command directly and marks it privileged, with no probe', async () => {
    const host = new RecordingHost([], true)
    await host.run('id -u', {sudo: true})
    expect(host.requests.map((r) => r.script)).toEqual(['id -u'])
    expect(host.requests[0]!.privileged).toBe(true)
  })

  it('with passwordless sudo: probes once per connection with sudo -n, then wraps every command in sudo -n sh -c', async () => {
    const host = new RecordingHost([[/^sudo -n true$/, {exitCode: 0}]])
    await host.run('id -u', {sudo: true})
    await host.run(['cat', '/etc/x y'], {sudo: true})
    expect(host.requests.map((r) => r.script)).toEqual([
      'sudo -n true',
      "sudo -n -- sh -c 'id -u'",
      "sudo -n -- sh -c 'cat '\\''/etc/x y'\\'''",
    ])
    // The probe's timeout is the node's command timeout, capped at 30 s.
    expect(host.requests[0]!.timeoutMs).toBe(7000)
    expect(host.requests[0]!.stdinPrefix).toBeUndefined()
  })

  it('caps the sudo probe at 30 s when the node timeout is longer', async () => {
    const host = new RecordingHost([[/^sudo -n true$/, {exitCode: 0}]], false, {commandTimeoutMs: 600_000})
    await host.run('true', {sudo: true})
    expect(host.requests[0]!.timeoutMs).toBe(30_000)
  })

  it('with a password: feeds it on stdin only (never in the script), asking each time (-k)', async () => {
    const host = new RecordingHost([[/^sudo -n true$/, {exitCode: 1}]], false, {sudoPassword: 's3cret-pw'})
    await host.run('id -u', {sudo: true, stdin: 'data'})
    expect(host.requests.map((r) => r.script)).toEqual([
      'sudo -n true',
      "sudo -S -k -p '' true",
      "sudo -S -k -p '' -- sh -c 'id -u'",
    ])
    expect(host.requests[0]!.stdinPrefix).toBeUndefined()
    expect(host.requests[1]!.stdinPrefix).toBe('s3cret-pw\n')
    expect(host.requests[2]).toMatchObject({stdinPrefix: 's3cret-pw\n', stdin: 'data', privileged: true})
    for (const request of host.requests) expect(request.script).not.toContain('s3cret-pw')
    // The password is masked in every log line from the moment the host exists.
    expect(redact('pw=s3cret-pw')).toBe('pw=***')
  })

  it('names the node and what to do when sudo is missing, wants an unknown password, or refuses the password', async () => {
    const missing = new RecordingHost([[/^sudo -n true$/, {exitCode: 127}]], false, {sudoPassword: 'pw1'})
    const error = await missing.run('x', {sudo: true}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteError)
    expect(error).toMatchObject({
      kind: 'sudo',
      node: 'n1',
      detail: 'sudo is not installed and alice is not root',
      next: ['Install sudo on the node or log in as root.'],
    })

    const noPassword = new RecordingHost([[/^sudo -n true$/, {exitCode: 1}]])
    await expect(noPassword.run('x', {sudo: true})).rejects.toMatchObject({
      kind: 'sudo',
      detail: 'sudo asks alice for a password and none is configured',
      next: ['Set sudoPassword (or password) for this node in cluster.yml, or allow NOPASSWD sudo.'],
    })
    expect(noPassword.requests).toHaveLength(1)

    const refused = new RecordingHost(
      [
        [/^sudo -n true$/, {exitCode: 1}],
        [/^sudo -S/, {exitCode: 1}],
      ],
      false,
      {sudoPassword: 'wrong-pw'},
    )
    await expect(refused.run('x', {sudo: true})).rejects.toMatchObject({
      kind: 'sudo',
      detail: 'sudo refused the configured password for alice',
      next: ['Check sudoPassword (or password) for this node in cluster.yml.'],
    })
    // The command itself never ran.
    expect(refused.requests.map((r) => r.script)).toEqual(['sudo -n true', "sudo -S -k -p '' true"])
  })

  it('passes the abort signal to the sudo probe and the command', async () => {
    const controller = new AbortController()
    const host = new RecordingHost([[/^sudo -n true$/, {exitCode: 0}]])
    await host.run('x', {sudo: true, signal: controller.signal})
    for (const request of host.requests) expect(request.signal).toBe(controller.signal)
  })

  it('streams output chunks to the callbacks as text', async () => {
    const host = new RecordingHost([
      [
        /^talk$/,
        (request) => {
          request.onStdout?.(Buffer.from('out-é'))
          request.onStderr?.(Buffer.from('err'))
          return {stdout: Buffer.from('out-é'), stderr: Buffer.from('err')}
        },
      ],
    ])
    const out: string[] = []
    const err: string[] = []
    const result = await host.run('talk', {onStdout: (c) => out.push(c), onStderr: (c) => err.push(c)})
    expect(out).toEqual(['out-é'])
    expect(err).toEqual(['err'])
    expect(result).toMatchObject({node: 'n1', command: 'talk', stdout: 'out-é', stderr: 'err', exitCode: 0})
    // Without callbacks, none is passed down.
    await host.run('talk')
    expect(host.requests[1]!.onStdout).toBeUndefined()
    expect(host.requests[1]!.onStderr).toBeUndefined()
  })
})

describe('BaseHost: results and errors', () => {
  it('returns a failed command without throwing, and with check throws CommandFailedError naming the label', async () => {
    const host = new RecordingHost([[/secret/, {exitCode: 3, stderr: Buffer.from('boom\n')}]])
    const result = await host.run('use secret', {label: 'the step'})
    expect(result).toMatchObject({exitCode: 3, command: 'the step', stderr: 'boom\n', timedOut: false, aborted: false})
    const error = await host.run('use secret', {label: 'the step', check: true}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandFailedError)
    expect((error as Error).message).toBe('n1: `the step` exited with 3:\nboom')
    // A successful command with check returns normally.
    await expect(host.run('fine', {check: true})).resolves.toMatchObject({exitCode: 0})
  })

  it('with check, a timeout is a timeout error with the limit in seconds (not "exited with a signal")', async () => {
    const host = new RecordingHost([[/slow/, {exitCode: null, timedOut: true}]])
    const error = await host.run('slow', {check: true, timeoutMs: 2500}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteError)
    expect(error).not.toBeInstanceOf(CommandFailedError)
    expect(error).toMatchObject({
      kind: 'timeout',
      detail: '`slow` did not finish within 2.5s',
      next: ['Raise the timeout (--timeout or ssh.commandTimeout) or check the node.'],
    })
    await expect(host.run('slow', {check: true})).rejects.toMatchObject({detail: '`slow` did not finish within 7s'})
    // Without check, a timeout is only reported.
    expect(await host.run('slow')).toMatchObject({timedOut: true, exitCode: null})
  })

  it('readFile cats the path as an argument (after --), with sudo, and fails loudly', async () => {
    const host = new RecordingHost([
      [/^cat -- \/ok$/, {stdout: Buffer.from([0, 255])}],
      [/missing/, {exitCode: 1, stderr: Buffer.from('No such file')}],
    ])
    expect([...(await host.readFile('/ok'))]).toEqual([0, 255])
    await expect(host.readFile('/missing')).rejects.toThrow(/`cat -- \/missing` exited with 1:\nNo such file/)
  })

  it('logs each command before and its outcome after, with sudo marked and secrets masked', async () => {
    setLogSink((level, message) => lines.push(`${level} ${message}`), 'debug')
    const host = new RecordingHost(
      [
        [/^sudo -n true$/, {exitCode: 0}],
        [/fails/, {exitCode: 2}],
        [/hangs/, {exitCode: null, timedOut: true}],
        [/killed/, {exitCode: null}],
      ],
      false,
    )
    await host.run('ok', {sudo: true})
    await host.run('fails')
    await host.run('hangs', {label: 'labelled'})
    await host.run('killed')
    expect(lines[0]).toBe('debug [n1] $ sudo ok')
    expect(lines[1]).toMatch(/^debug \[n1\] exit 0 in \d+ ms: ok$/)
    expect(lines[2]).toBe('debug [n1] $ fails')
    expect(lines[3]).toMatch(/^debug \[n1\] exit 2 in \d+ ms: fails$/)
    expect(lines[4]).toBe('debug [n1] $ labelled')
    expect(lines[5]).toMatch(/^debug \[n1\] exit timeout in \d+ ms: labelled$/)
    expect(lines[7]).toMatch(/^debug \[n1\] exit signal in \d+ ms: killed$/)
  })
})

describe('BaseHost: stopping a process group', () => {
  it('the stop script TERMs session and group, waits the grace, then KILLs both, and never fails', () => {
    expect(killGroupScript(42)).toBe(
      'pkill -TERM -s 42; pkill -TERM -g 42; sleep 1; pkill -KILL -s 42; pkill -KILL -g 42; true',
    )
    expect(KILL_GRACE_MS).toBe(1000)
  })

  it('runs the stop as root when the command ran as root, labelled, with a timeout past the grace; close waits for it', async () => {
    setLogSink((level, message) => lines.push(message), 'debug')
    const host = new RecordingHost([
      [/^sudo -n true$/, {exitCode: 0}],
      [/pkill/, {}],
    ])
    host.stop(77, true)
    host.stop(78, false)
    await host.close()
    // The root stop waits for the sudo probe, so the plain one reaches the node first.
    const stops = host.requests.filter((r) => r.script.includes('pkill')).reverse()
    expect(stops.map((r) => r.script)).toEqual([`sudo -n -- sh -c '${killGroupScript(77)}'`, killGroupScript(78)])
    expect(stops[0]!.privileged).toBe(true)
    expect(stops[1]!.privileged).toBe(false)
    expect(stops[0]!.timeoutMs).toBe(KILL_GRACE_MS + 5000)
    expect(lines).toContain('[n1] $ sudo stop process group 77')
  })

  it('close waits for a pending stop to finish, and a failing stop is swallowed', async () => {
    let finish!: () => void
    const order: string[] = []
    class SlowStopHost extends RecordingHost {
      protected override async spawn(request: SpawnRequest): Promise<SpawnResult> {
        if (request.script.includes('pkill -TERM -s 5;')) {
          await new Promise<void>((resolve) => (finish = resolve))
          order.push('stop done')
          throw new Error('connection lost')
        }
        return super.spawn(request)
      }
    }
    const host = new SlowStopHost()
    host.stop(5, false)
    const closing = host.close().then(() => order.push('closed'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(order).toEqual([])
    finish()
    await closing
    expect(order).toEqual(['stop done', 'closed'])
    // Once settled, the stop is forgotten: a second close returns at once.
    const started = Date.now()
    await host.settle()
    expect(Date.now() - started).toBeLessThan(100)
  })

  it('close does not wait forever for a stop that hangs (bounded by the grace plus 5 s)', async () => {
    class HangingStopHost extends RecordingHost {
      protected override spawn(request: SpawnRequest): Promise<SpawnResult> {
        if (request.script.includes('pkill')) return new Promise(() => {})
        return super.spawn(request)
      }
    }
    const host = new HangingStopHost()
    host.stop(9, false)
    const started = Date.now()
    await host.close()
    const waited = Date.now() - started
    expect(waited).toBeGreaterThanOrEqual(KILL_GRACE_MS + 5000 - 50)
    expect(waited).toBeLessThan(KILL_GRACE_MS + 5000 + 3000)
  }, 15_000)
})
