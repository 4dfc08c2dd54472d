/**
 * `deploy --plan --json` from a plan (found by mutation testing): which actions a record hides, how each
 * field is shown (secrets, long stdin, files from another node), the counts per stage, the chain-table
 * versions, and a plan with two actions of one id refused as a bug.
 */
import {describe, expect, it} from 'vitest'

import {action, sha256, type Action, type Plan} from '../../src/deploy/model.js'
import {planJson, shownContent} from '../../src/deploy/plan.js'

const run = (id: string, node: string, extra: Partial<Action> = {}): Action =>
  action({id, node, service: 'host', kind: 'run', description: `do ${id}`, command: `echo ${id}`, ...extra})

describe('deploy --plan --json', () => {
  it('leaves out what the record shows as applied (never an always action), and counts them', () => {
    const a = run('a', 'n1')
    const b = run('b', 'n2')
    const always = {...run('c', 'n1'), always: true}
    const partner = {...run('d', 'n2'), runsWith: {node: 'n1', fingerprint: a.fingerprint}}
    const plan: Plan = {
      cluster: 'x',
      stateDir: '/s',
      stages: [
        {name: 'one', service: 'host', actions: [a, b, always]},
        {name: 'two', service: 'host', actions: [partner]},
      ],
      recorded: {n1: [a.fingerprint, always.fingerprint]},
    }
    const json = planJson(plan)
    expect(json.alreadyApplied).toBe(2)
    expect(json.actions.map((entry) => entry.description)).toEqual(['do b', 'do c'])
    expect(json.stages).toEqual([{name: 'one', actions: 2, nodes: 2}])
    expect(json.nodeIds).toEqual([])
    expect(json.chainTable).toEqual([])
    // Nothing recorded: everything shows.
    expect(planJson({...plan, recorded: undefined}).alreadyApplied).toBe(0)
    expect(planJson({...plan, recorded: {n3: [a.fingerprint]}}).alreadyApplied).toBe(0)
  })

  it('shows each field only when the action has it, stdin past 2000 characters cut with its line count', () => {
    const long = `${'x'.repeat(2500)}\n${'y\n'.repeat(4)}`
    const plan: Plan = {
      cluster: 'x',
      stateDir: '/s',
      stages: [
        {
          name: 'files',
          service: 'host',
          actions: [
            action({
              id: 'w',
              node: 'n1',
              service: 'host',
              kind: 'write-file',
              description: 'write',
              path: '/etc/f',
              content: 'hello',
              mode: '0600',
            }),
            action({
              id: 'from',
              node: 'n2',
              service: 'host',
              kind: 'write-file',
              description: 'copy',
              path: '/etc/g',
              contentFrom: {node: 'n1', path: '/etc/f'},
            }),
            run('s', 'n1', {stdin: long, until: '^ok$'}),
            run('short', 'n1', {stdin: 'a\nb\n'}),
          ],
        },
      ],
    }
    const [write, copy, longStdin, shortStdin] = planJson(plan).actions
    expect(write).toStrictEqual({
      stage: 'files',
      node: 'n1',
      service: 'host',
      kind: 'write-file',
      description: 'write',
      path: '/etc/f',
      content: 'hello',
      sha256: sha256('hello'),
      mode: '0600',
      fingerprint: plan.stages[0]!.actions[0]!.fingerprint,
    })
    expect(copy!.content).toBe('<from n1:/etc/f at apply time>')
    expect('sha256' in copy!).toBe(false)
    expect(longStdin!.stdin).toBe(`${'x'.repeat(2000)}... (5 lines)`)
    expect(longStdin!.until).toBe('^ok$')
    expect(longStdin!.command).toBe('echo s')
    expect(shortStdin!.stdin).toBe('a\nb\n')
    expect('until' in shortStdin!).toBe(false)
    expect('path' in shortStdin!).toBe(false)
    expect('mode' in shortStdin!).toBe(false)
  })

  it('shows secrets as placeholders and gives no checksum of a file that holds one', () => {
    const redacted = action({
      id: 'r',
      node: 'n1',
      service: 'host',
      kind: 'write-file',
      description: 'r',
      path: '/r',
      content: 'user=a pass=hunter22 again hunter22',
      redact: ['hunter22'],
    })
    const secret = action({
      id: 's',
      node: 'n1',
      service: 'host',
      kind: 'write-file',
      description: 's',
      path: '/s',
      content: 'token',
      secret: true,
    })
    expect(shownContent(redacted)).toBe('user=a pass=<secret> again <secret>')
    expect(shownContent(secret)).toBe('<secret: not shown>')
    expect(shownContent(run('plain', 'n1'))).toBeUndefined()
    const json = planJson({
      cluster: 'x',
      stateDir: '/s',
      stages: [{name: 'f', service: 'host', actions: [redacted, secret]}],
    })
    for (const entry of json.actions) expect('sha256' in entry).toBe(false)
  })
})
