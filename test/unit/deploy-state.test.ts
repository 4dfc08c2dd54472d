/** Deploy state: what a node says is applied, how an action is recorded, and the local copy. */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {UserError} from '../../src/errors.js'

import {action} from '../../src/deploy/model.js'
import {
  localStatePath,
  markerCommand,
  readLocalState,
  readNodeState,
  recordApplied,
  writeLocalState,
} from '../../src/deploy/state.js'
import {LocalHost} from '../../src/remote/local-host.js'
import type {Host, RunOptions} from '../../src/remote/host.js'

const dir = mkdtempSync(join(tmpdir(), '3fs-cli-state-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
const local = new LocalHost({name: 'local', commandTimeoutMs: 10_000})

function spy(stdout = ''): {host: Host; calls: Array<{command: string; options: RunOptions}>} {
  const calls: Array<{command: string; options: RunOptions}> = []
  const host = {
    name: 'n',
    run: async (command: string, options: RunOptions = {}) => {
      calls.push({command, options})
      if (options.check && command.includes('fail')) throw new Error('failed')
      return {node: 'n', command, exitCode: 0, stdout, stderr: '', durationMs: 0, timedOut: false, aborted: false}
    },
  } as unknown as Host
  return {host, calls}
}

describe('deploy state', () => {
  it('reads only whole 20-hex-digit marker names from the node, as root, and none from a missing directory', async () => {
    const {host, calls} = spy(
      [
        '0123456789abcdef0123',
        '  fedcba9876543210fedc  ',
        'x0123456789abcdef0123',
        '0123456789abcdef01234',
        'ABCDEF0123456789ABCD',
        'notes.txt',
        '',
      ].join('\n'),
    )
    expect([...(await readNodeState(host, '/var/lib/x'))].sort()).toEqual([
      '0123456789abcdef0123',
      'fedcba9876543210fedc',
    ])
    expect(calls[0]!.options).toMatchObject({sudo: true, label: 'read deploy state'})
    expect(calls[0]!.command).toBe('ls -1 /var/lib/x 2>/dev/null || true')
    expect(await readNodeState(local, join(dir, 'absent'))).toEqual(new Set())
  })

  it('records an action with a marker the next read finds, and fails loudly when it cannot', async () => {
    const applied = action({id: 'n:host:x', node: 'n', service: 'host', kind: 'run', description: 'x', command: 'true'})
    const stateDir = join(dir, 'state')
    await recordApplied(local, stateDir, applied)
    expect(readFileSync(join(stateDir, applied.fingerprint), 'utf8')).toBe('n:host:x\n')
    expect(await readNodeState(local, stateDir)).toEqual(new Set([applied.fingerprint]))
    const {host, calls} = spy()
    await recordApplied(host, '/s', applied)
    expect(calls[0]).toEqual({
      command: markerCommand('/s', applied),
      options: expect.objectContaining({sudo: true, check: true, label: `record ${applied.fingerprint}`}),
    })
    await expect(recordApplied(host, '/fail', applied)).rejects.toThrow('failed')
  })

  it('keeps the local copy beside cluster.yml, named by the cluster (unsafe characters replaced), and reads back what it wrote', async () => {
    expect(localStatePath('/etc/3fs/cluster.yml', 'prod/a b')).toBe('/etc/3fs/.3fs-cli/prod_a_b.state.json')
    expect(localStatePath('/c/cluster.yml', 'ok-1.x_y')).toBe('/c/.3fs-cli/ok-1.x_y.state.json')
    const path = join(dir, 'sub', '.3fs-cli', 'c.state.json')
    expect(await readLocalState(path)).toBeUndefined()
    const state = {cluster: 'c', updatedAt: '2026-01-01T00:00:00.000Z', applied: {n: ['a', 'b']}}
    await writeLocalState(path, state)
    expect(await readLocalState(path)).toEqual(state)
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(state, null, 2)}\n`)
  })

  it('refuses a damaged record instead of taking it for none: it holds the node ids of a live cluster', async () => {
    const path = join(dir, 'damaged', '.3fs-cli', 'c.state.json')
    await writeLocalState(path, {cluster: 'c', updatedAt: '', applied: {}})
    for (const [content, why] of [
      ['{broken', /damaged: not JSON/],
      ['null', /not a 3fs-cli deploy record/],
      ['[1,2]', /not a 3fs-cli deploy record/],
      ['{"cluster":"c"}', /not a 3fs-cli deploy record/],
      ['{"cluster":"c","applied":{},"layout":7}', /not a 3fs-cli deploy record/],
    ] as const) {
      writeFileSync(path, content)
      const error = await readLocalState(path).catch((caught: unknown) => caught)
      expect(error, content).toBeInstanceOf(UserError)
      expect((error as UserError).message).toMatch(why)
      expect((error as UserError).message).toContain(path)
      expect((error as UserError).next.join(' ')).toContain('restore it from a backup')
    }
  })
})
