/**
 * deploy's waits on admin_cli, judged on the parsed table (src/cluster/admin-cli-waits.ts) rather than a
 * regex over the text. Outputs are in admin_cli's printed shape at 3FS ee9a5ce (Printer.cc:4-25 padding,
 * `Encounter error` lines from Dispatcher.cc:41-51, chain Status from ListChains.cc:29-60), built by the
 * same helpers the status tests use; plus the placeholder admin_cli's rows (two-space cells, not aligned).
 */
import {describe, expect, it} from 'vitest'

import {judgeAdminCliWait, type AdminCliWait} from '../../src/cluster/admin-cli-waits.js'
import {printError, printTable} from '../fixtures/status/admin-format.js'

const NODES_HEADER = [
  'Id',
  'Type',
  'Status',
  'Hostname',
  'Pid',
  'Tags',
  'LastHeartbeatTime',
  'ConfigVersion',
  'ReleaseVersion',
]
const RELEASE = '250228-dev-1-999999-923bdd7c'
const node = (id: number, type: string, status: string) => [
  String(id),
  type,
  status,
  `node${id % 100}`,
  '2145',
  '[]',
  status === 'PRIMARY_MGMTD' ? 'N/A' : '2026-12-02 03:00:00',
  '1(UPTODATE)',
  RELEASE,
]

const CHAINS_HEADER = [
  'ChainId',
  'ReferencedBy',
  'ChainVersion',
  'Status',
  'PreferredOrder',
  'Target',
  'Target',
  'Target',
]
/** A chain row with its Status computed as ListChains.cc:51-60 does from the targets' public states. */
function chain(id: number, states: string[]): string[] {
  const serving = states.filter((state) => state === 'SERVING').length
  const status = states.includes('SYNCING')
    ? 'SYNCING'
    : serving === states.length
      ? 'SERVING'
      : serving === 0
        ? 'UNAVAILABLE'
        : `SERVING(${serving}/${states.length})`
  const local = (state: string) => (state === 'SERVING' ? 'UPTODATE' : state === 'SYNCING' ? 'ONLINE' : 'OFFLINE')
  return [
    String(id),
    '1',
    '1',
    status,
    '[]',
    ...states.map((state, index) => `${101000100 + index * 100000 + (id % 100)}(${state}-${local(state)})`),
  ]
}
const ALL = ['SERVING', 'SERVING', 'SERVING']

const judge = (wait: AdminCliWait, output: string) => judgeAdminCliWait(wait, output)

describe('admin_cli waits judged on parsed output', () => {
  it('primary-mgmtd: a MGMTD row with Status PRIMARY_MGMTD, not the word anywhere', () => {
    const wait: AdminCliWait = {kind: 'primary-mgmtd'}
    expect(judge(wait, printTable([NODES_HEADER, node(1, 'MGMTD', 'PRIMARY_MGMTD')]))).toEqual({
      reached: true,
      state: 'mgmtd 1 is PRIMARY_MGMTD',
    })
    expect(judge(wait, printTable([NODES_HEADER, node(1, 'MGMTD', 'HEARTBEAT_CONNECTING')]))).toEqual({
      reached: false,
      state: 'no primary: 1 HEARTBEAT_CONNECTING',
    })
    // The old regex /PRIMARY_MGMTD/ passed on an error message that merely names the state.
    const error = printError(5005, 'Mgmtd::NotPrimary', 'not PRIMARY_MGMTD yet')
    expect(judge(wait, error)).toMatchObject({
      reached: false,
      state: expect.stringContaining('5005(Mgmtd::NotPrimary)'),
    })
    expect(judge(wait, printTable([NODES_HEADER]))).toEqual({reached: false, state: 'no MGMTD node listed'})
  })

  it('heartbeats: every expected id of that type HEARTBEAT_CONNECTED; others and other types do not count', () => {
    const wait: AdminCliWait = {kind: 'heartbeats', nodeType: 'STORAGE', ids: [10001, 10002, 10003]}
    const rows = (third: string) =>
      printTable([
        NODES_HEADER,
        node(1, 'MGMTD', 'PRIMARY_MGMTD'),
        node(50, 'META', 'HEARTBEAT_CONNECTED'),
        node(10001, 'STORAGE', 'HEARTBEAT_CONNECTED'),
        node(10002, 'STORAGE', 'HEARTBEAT_CONNECTED'),
        ...(third ? [node(10003, 'STORAGE', third)] : []),
      ])
    expect(judge(wait, rows('HEARTBEAT_CONNECTED'))).toEqual({reached: true, state: '3 STORAGE connected'})
    expect(judge(wait, rows('HEARTBEAT_FAILED'))).toEqual({
      reached: false,
      state: '2 of 3 STORAGE connected; 10003 HEARTBEAT_FAILED',
    })
    expect(judge(wait, rows(''))).toEqual({reached: false, state: '2 of 3 STORAGE connected; 10003 not listed'})
    // An id connected under another type is not the storage service.
    expect(judge({kind: 'heartbeats', nodeType: 'META', ids: [10001]}, rows('HEARTBEAT_CONNECTED')).reached).toBe(false)
    expect(judge(wait, printError(1001, 'StatusCode::kRPCTimeout', 'mgmtd not reachable')).reached).toBe(false)
  })

  it('heartbeats: rows the placeholder admin_cli prints with two-space cells (not aligned to the header)', () => {
    const output = [
      'Id     Type     Status               Hostname  Pid  Tags  LastHeartbeatTime    ConfigVersion  ReleaseVersion',
      '1      MGMTD    PRIMARY_MGMTD        n1     1   []    N/A                  1(UPTODATE)    250228-dev',
      '50  META  HEARTBEAT_CONNECTED  n1  1  []  2026-12-02 03:00:00  1(UPTODATE)  250228-dev',
      '10001  STORAGE  HEARTBEAT_CONNECTED  n1  1  []  2026-12-02 03:00:01  1(UPTODATE)  250228-dev',
      '',
    ].join('\n')
    expect(judge({kind: 'heartbeats', nodeType: 'META', ids: [50]}, output).reached).toBe(true)
    expect(judge({kind: 'heartbeats', nodeType: 'STORAGE', ids: [10001]}, output).reached).toBe(true)
    expect(judge({kind: 'primary-mgmtd'}, output).reached).toBe(true)
  })

  it('chains-serving: at least N chains, every one SERVING with every replica', () => {
    const wait: AdminCliWait = {kind: 'chains-serving', atLeast: 3}
    const table = (...rows: string[][]) => printTable([CHAINS_HEADER, ...rows])
    expect(judge(wait, table(chain(900100001, ALL), chain(900100002, ALL), chain(900100003, ALL)))).toEqual({
      reached: true,
      state: '3 of 3 chains SERVING',
    })
    // Storage still starting: UNAVAILABLE (m3fs #123), one replica back and syncing, one partly serving.
    expect(
      judge(
        wait,
        table(
          chain(900100001, ['OFFLINE', 'OFFLINE', 'OFFLINE']),
          chain(900100002, ['SERVING', 'SYNCING', 'SERVING']),
          chain(900100003, ['SERVING', 'SERVING', 'OFFLINE']),
        ),
      ),
    ).toEqual({reached: false, state: '0 of 3 chains SERVING; 1 UNAVAILABLE, 1 SYNCING, 1 SERVING(2/3)'})
    // A partial list (upload-chains not yet visible for every chain) is not enough.
    expect(judge(wait, table(chain(900100001, ALL), chain(900100002, ALL)))).toEqual({
      reached: false,
      state: '2 of 2 chains SERVING; 3 expected',
    })
    // No chains yet: the header alone.
    expect(
      judge(wait, printTable([['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target']])),
    ).toMatchObject({reached: false})
    // admin_cli failing (exit code 0 on stdin, see Dispatcher.cc) is never a pass.
    expect(judge(wait, printError(5003, 'Mgmtd::NotPrimary'))).toEqual({
      reached: false,
      state: 'admin_cli: 5003(Mgmtd::NotPrimary)',
    })
  })

  it('chains-serving: a SERVING status whose target cells disagree is not taken as healthy', () => {
    const row = chain(900100001, ALL)
    row[6] = row[6]!.replace('SERVING-UPTODATE', 'WAITING-ONLINE')
    expect(judge({kind: 'chains-serving'}, printTable([CHAINS_HEADER, row]))).toEqual({
      reached: false,
      state: '0 of 1 chains SERVING; 1 SERVING with a replica not serving',
    })
  })

  it('chains-serving: the placeholder admin_cli rows (two-space cells) parse and pass', () => {
    const output = [
      'ChainId  ReferencedBy  ChainVersion  Status  PreferredOrder  Target  Target',
      '900100001  1  1  SERVING  []  101000101(SERVING-UPTODATE)  101000201(SERVING-UPTODATE)',
      '900100002  1  1  SERVING  []  101000102(SERVING-UPTODATE)  101000202(SERVING-UPTODATE)',
      '',
    ].join('\n')
    expect(judge({kind: 'chains-serving', atLeast: 2}, output)).toEqual({reached: true, state: '2 of 2 chains SERVING'})
    expect(judge({kind: 'chains-serving', atLeast: 3}, output).reached).toBe(false)
  })
})
