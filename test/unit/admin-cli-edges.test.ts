/**
 * admin_cli parsing at its edges (found by mutation testing: each case below was accepted by a changed
 * parser): whole-cell matches only, numbers that are not numbers, rows that do not line up with the header,
 * short rows, missing columns, and every field of every row kept. Tables are printed as Printer.cc does
 * (fixtures/status/admin-format.ts) unless a test needs a row that does not line up.
 */
import {describe, expect, it} from 'vitest'

import {
  AdminCliError,
  findAdminCliError,
  findAdminCliErrors,
  isTargetAlreadyExists,
  listClientsBootstrapping,
  parseConfigVersion,
  parseListChainTables,
  parseListChains,
  parseListClients,
  parseListNodes,
  parseListTargets,
  parseTable,
} from '../../src/cluster/admin-cli-output.js'
import {printTable as table} from '../fixtures/status/admin-format.js'

describe('admin_cli errors at the edges', () => {
  it('names code, name and message in the error, and only the code and name without a message', () => {
    const full = new AdminCliError(4018, 'Storage::StorageInitFailed', 'target 5 is already existing')
    expect(full.message).toBe('admin_cli: 4018(Storage::StorageInitFailed): target 5 is already existing')
    expect(full.name).toBe('AdminCliError')
    expect(new AdminCliError(2005, 'RPC::Timeout', undefined).message).toBe('admin_cli: 2005(RPC::Timeout)')
  })

  it('finds an indented error line and one without a space after the colon, but not one inside other text', () => {
    expect(findAdminCliError('  Encounter error: 2005(RPC::Timeout)  \n')).toMatchObject({
      code: 2005,
      errorName: 'RPC::Timeout',
    })
    expect(findAdminCliError('Encounter error:2005(RPC::Timeout)')).toMatchObject({code: 2005})
    expect(findAdminCliError('note: Encounter error: 2005(RPC::Timeout)')).toBeUndefined()
    expect(
      findAdminCliErrors('  Encounter error: 1(A)\nok\n\tEncounter error: 2(B) why').map((e) => e.message),
    ).toEqual(['admin_cli: 1(A): ok', 'admin_cli: 2(B): why'])
  })

  it('takes "already existing" with padding around it as the same answer', () => {
    expect(
      isTargetAlreadyExists(new AdminCliError(4018, 'Storage::StorageInitFailed', '  target 7 is already existing ')),
    ).toBe(true)
    expect(isTargetAlreadyExists(new AdminCliError(4018, 'Storage::StorageInitFailed', undefined))).toBe(false)
  })
})

describe('admin_cli tables at the edges', () => {
  it('splits a row that runs into the next column by runs of 2+ spaces, keeping single spaces inside a cell', () => {
    // Header columns start at 0, 3 and 6; "xxxxx" runs past column B's start.
    expect(parseTable('A  B  C\nxxxxx  y z  w\n')).toEqual({header: ['A', 'B', 'C'], rows: [['xxxxx', 'y z', 'w']]})
  })

  it('reads a row that ends exactly where the next column starts as a short aligned row', () => {
    expect(parseTable('A  B\nabc\n')).toEqual({header: ['A', 'B'], rows: [['abc', '']]})
  })

  it('reads ConfigVersion cells only when the whole cell is a version', () => {
    expect(parseConfigVersion(' 12(UPTODATE) ')).toEqual({version: 12, state: 'UPTODATE'})
    expect(parseConfigVersion('12')).toEqual({version: 12})
    expect(parseConfigVersion('x12')).toEqual({})
    expect(parseConfigVersion('12(UPTODATE)x')).toEqual({})
  })

  it('keeps every list-nodes field, -1 for an id that is no number, no version for a cell that is none', () => {
    const rows = parseListNodes(
      table([
        ['Id', 'Type', 'Status', 'Hostname', 'Pid', 'Tags', 'LastHeartbeatTime', 'ConfigVersion', 'ReleaseVersion'],
        ['N/A', 'META', 'HEARTBEAT_CONNECTED', 'node1', '12x', '[]', 'N/A', 'N/A', '250228-dev'],
        ['7', 'META', 'HEARTBEAT_CONNECTED', 'node2', '13', '[]', 'N/A', '3()', '250228-dev'],
      ]),
    )
    expect(rows[0]).toStrictEqual({
      id: -1,
      type: 'META',
      status: 'HEARTBEAT_CONNECTED',
      hostname: 'node1',
      pid: undefined,
      tags: '[]',
      lastHeartbeat: 'N/A',
      configVersion: 'N/A',
      configUpToDate: true,
      releaseVersion: '250228-dev',
    })
    // An empty state is not a bad state.
    expect(rows[1]).toMatchObject({id: 7, configVersionNumber: 3, configUpToDate: true})
    expect('configState' in rows[1]!).toBe(false)
  })

  it('gives empty text for a column a table does not have, and for a row shorter than the header', () => {
    const rows = parseListNodes('Id  Type\n5\n')
    expect(rows[0]).toMatchObject({id: 5, type: '', status: '', releaseVersion: ''})
  })

  it('reads list-chains cells only when the whole cell matches, and no targets without a Target column', () => {
    const chains = parseListChains(
      table([
        ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target', 'Target'],
        ['x1', '1', '1', 'SERVING(12/13)', '[3,4]', 'x101(SERVING-UPTODATE)', '102(SERVING-UPTODATE)x'],
        ['2', '1', '1', 'SERVING(1/2)x', '[]', '103', 'abc'],
      ]),
    )
    expect(chains[0]).toStrictEqual({
      chainId: -1,
      referencedBy: '1',
      version: 1,
      status: 'SERVING',
      serving: {up: 12, total: 13},
      preferredOrder: '[3,4]',
      targets: [
        {id: -1, publicState: 'UNKNOWN', localState: 'UNKNOWN'},
        {id: -1, publicState: 'UNKNOWN', localState: 'UNKNOWN'},
      ],
    })
    expect(chains[1]).toMatchObject({
      chainId: 2,
      status: 'SERVING(1/2)x',
      targets: [
        {id: 103, publicState: 'UNKNOWN', localState: 'UNKNOWN'},
        {id: -1, publicState: 'UNKNOWN', localState: 'UNKNOWN'},
      ],
    })
    expect('serving' in chains[1]!).toBe(false)
    const noTargets = parseListChains(
      table([
        ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder'],
        ['3', '1', '1', 'SERVING', '[]'],
      ]),
    )
    expect(noTargets[0]!.targets).toEqual([])
  })

  it('keeps every list-targets field, -1 for ids that are no numbers, and no byte count for a size that is none', () => {
    const targets = parseListTargets(
      table([
        ['TargetId', 'ChainId', 'Role', 'PublicState', 'LocalState', 'NodeId', 'DiskIndex', 'UsedSize'],
        ['t1', 'c1', 'HEAD', 'SERVING', 'UPTODATE', 'n1', 'd', 'N/A'],
      ]),
    )
    expect(targets[0]).toStrictEqual({
      targetId: -1,
      chainId: -1,
      role: 'HEAD',
      publicState: 'SERVING',
      localState: 'UPTODATE',
      nodeId: -1,
      diskIndex: undefined,
      usedSize: 'N/A',
    })
  })

  it('reads chain tables with no replica count, or a count that is no number, and -1 for an id that is none', () => {
    const tables = parseListChainTables(
      table([
        ['ChainTableId', 'ChainTableVersion', 'ChainCount', 'ReplicaCount', 'Desc'],
        ['x', '1', '4', 'N/A', 'd'],
        ['2', '1', '4', 'x/3', 'd'],
      ]),
    )
    expect(tables[0]).toStrictEqual({
      tableId: -1,
      version: 1,
      chainCount: 4,
      replicaCount: undefined,
      replicaCounts: [],
      desc: 'd',
    })
    expect(tables[1]).toMatchObject({tableId: 2, replicaCount: 3, replicaCounts: [3]})
  })

  it('keeps every list-clients field, and takes only a whole "Mgmtd Bootstrapping" row as the bootstrapping note', () => {
    const header = [
      'ClientId',
      'ClientStart',
      'SessionStart',
      'LastExtend',
      'ConfigVersion',
      'Hostname',
      'Description',
      'Tags',
      'ReleaseVersion',
    ]
    const row = [
      'c-1',
      '2026-11-27 20:00:01',
      '2026-11-27 20:00:02',
      '2026-11-28 01:59:50',
      '3',
      'client7',
      'fuse: client7',
      '[]',
      '250228',
    ]
    expect(parseListClients(table([header, row]))[0]).toStrictEqual({
      clientId: 'c-1',
      clientStart: '2026-11-27 20:00:01',
      hostname: 'client7',
      sessionStart: '2026-11-27 20:00:02',
      lastExtend: '2026-11-28 01:59:50',
      configVersion: '3',
      configUpToDate: true,
      description: 'fuse: client7',
      releaseVersion: '250228',
    })
    expect(listClientsBootstrapping('ClientId\nMgmtd Bootstrapping\n')).toBe(true)
    expect(listClientsBootstrapping('ClientId\nMgmtd BootstrappingX\n')).toBe(false)
    expect(listClientsBootstrapping('ClientId\nnot Mgmtd Bootstrapping\n')).toBe(false)
  })
})
