/**
 * admin_cli output parsing, with fixtures in admin_cli's exact format at 3FS ee9a5ce (see
 * fixtures/status/admin-format.ts: Printer.cc's padding, Dispatcher.cc's error lines); written from
 * 3FS's source, not captured from a running 3FS.
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
import {printError, printTable as table} from '../fixtures/status/admin-format.js'

const NODES = table([
  ['Id', 'Type', 'Status', 'Hostname', 'Pid', 'Tags', 'LastHeartbeatTime', 'ConfigVersion', 'ReleaseVersion'],
  ['1', 'MGMTD', 'PRIMARY_MGMTD', 'node1', '1201', '[]', 'N/A', '1(UPTODATE)', '250228-dev-1-999999-923bdd7c'],
  [
    '100',
    'META',
    'HEARTBEAT_CONNECTED',
    'node1',
    '1310',
    '[]',
    '2026-11-25 10:00:01',
    '1(UPTODATE)',
    '250228-dev-1-999999-923bdd7c',
  ],
  [
    '10001',
    'STORAGE',
    'HEARTBEAT_CONNECTED',
    'node2',
    '2201',
    '[]',
    '2026-11-25 10:00:02',
    '2(UPTODATE)',
    '250228-dev-1-999999-923bdd7c',
  ],
  [
    '10002',
    'STORAGE',
    'HEARTBEAT_FAILED',
    'node3',
    '0',
    '[]',
    '2026-11-25 09:41:17',
    '1',
    '250228-dev-1-999999-923bdd7c',
  ],
])

describe('admin_cli tables', () => {
  it('prints tables exactly as Printer.cc does: widest cell plus two spaces, last cell unpadded', () => {
    expect(
      table([
        ['Id', 'Type'],
        ['10001', 'STORAGE'],
        ['1', 'MGMTD'],
      ]),
    ).toBe('Id     Type\n10001  STORAGE\n1      MGMTD\n')
    expect(
      table([
        ['ClientId', 'ClientStart'],
        ['Mgmtd Bootstrapping', 'The client list may be incomplete'],
      ]),
    ).toBe('ClientId             ClientStart\nMgmtd Bootstrapping  The client list may be incomplete\n')
    expect(printError(6004, 'MgmtdClient::RoutingInfoNotReady')).toBe(
      'Encounter error: 6004(MgmtdClient::RoutingInfoNotReady)\n',
    )
  })

  it('reads list-nodes, with timestamps that hold a space, and ConfigVersion as number and state (ListNodes.cc:33-56)', () => {
    const nodes = parseListNodes(NODES)
    expect(nodes).toHaveLength(4)
    expect(nodes[1]).toMatchObject({
      id: 100,
      type: 'META',
      status: 'HEARTBEAT_CONNECTED',
      hostname: 'node1',
      pid: 1310,
      lastHeartbeat: '2026-11-25 10:00:01',
      configUpToDate: true,
      configVersionNumber: 1,
      configState: 'UPTODATE',
    })
    expect(nodes[2]).toMatchObject({
      id: 10001,
      tags: '[]',
      lastHeartbeat: '2026-11-25 10:00:02',
      configVersionNumber: 2,
    })
    // A bare number: not the latest version, or a status 3FS does not print; judged beside its peers.
    expect(nodes[3]).toMatchObject({
      id: 10002,
      status: 'HEARTBEAT_FAILED',
      pid: 0,
      configVersion: '1',
      configVersionNumber: 1,
    })
    expect(nodes[3]!.configState).toBeUndefined()
    expect(parseConfigVersion('3(DIRTY)')).toEqual({version: 3, state: 'DIRTY'})
    expect(parseConfigVersion('N/A')).toEqual({})
  })

  it('reads list-chains with any number of Target columns, SERVING(x/n) and PUBLIC-LOCAL target cells', () => {
    const text = table([
      ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', 'Target', 'Target', 'Target'],
      [
        '900100001',
        '1',
        '3',
        'SERVING',
        '[]',
        '101000100101(SERVING-UPTODATE)',
        '101000200101(SERVING-UPTODATE)',
        '101000300101(SERVING-UPTODATE)',
      ],
      [
        '900100002',
        '1',
        '5',
        'SERVING(2/3)',
        '[]',
        '101000100102(SERVING-UPTODATE)',
        '101000200102(SERVING-UPTODATE)',
        '101000300102(LASTSRV-OFFLINE)',
      ],
      ['900100003', '1', '7', 'UNAVAILABLE', '[]', '101000100103(OFFLINE-OFFLINE)', '101000200103(WAITING-ONLINE)'],
    ])
    const chains = parseListChains(text)
    expect(chains.map((chain) => chain.status)).toEqual(['SERVING', 'SERVING', 'UNAVAILABLE'])
    expect(chains[1]!.serving).toEqual({up: 2, total: 3})
    expect(chains[1]!.targets[2]).toEqual({id: 101000300102, publicState: 'LASTSRV', localState: 'OFFLINE'})
    expect(chains[2]!.targets).toHaveLength(2)
    expect(chains[0]).toMatchObject({chainId: 900100001, version: 3, referencedBy: '1'})
  })

  it('reads list-targets and keeps states it does not know', () => {
    const text = table([
      ['TargetId', 'ChainId', 'Role', 'PublicState', 'LocalState', 'NodeId', 'DiskIndex', 'UsedSize'],
      ['101000100101', '900100001', 'HEAD', 'SERVING', 'UPTODATE', '10001', '0', '1288490188'],
      ['101000300102', '900100002', 'TAIL', 'BRAND_NEW_STATE', 'ONLINE', '10003', '1', '0'],
    ])
    const targets = parseListTargets(text)
    expect(targets[0]).toMatchObject({
      targetId: 101000100101,
      role: 'HEAD',
      nodeId: 10001,
      diskIndex: 0,
      usedSize: '1288490188',
      usedBytes: 1288490188,
    })
    expect(targets[1]!.publicState).toBe('BRAND_NEW_STATE')
  })

  it('returns no rows for an empty table and no table for empty output', () => {
    expect(parseListTargets('TargetId  ChainId  Role  PublicState  LocalState  NodeId  DiskIndex  UsedSize\n')).toEqual(
      [],
    )
    expect(parseTable('\n\n')).toEqual({header: [], rows: []})
  })

  it('turns `Encounter error` on stdout into an error with code, name and message, whatever the exit code said', () => {
    const output = printError(6004, 'MgmtdClient::RoutingInfoNotReady', 'Failed to get routing info from mgmtd')
    expect(() => parseListNodes(output)).toThrow(AdminCliError)
    const error = findAdminCliError(output)!
    expect(error).toMatchObject({
      code: 6004,
      errorName: 'MgmtdClient::RoutingInfoNotReady',
      detail: 'Failed to get routing info from mgmtd',
    })
    expect(findAdminCliError(printError(2011, 'InvalidArg'))).toMatchObject({
      code: 2011,
      errorName: 'InvalidArg',
      detail: undefined,
    })
    expect(findAdminCliError(NODES)).toBeUndefined()
  })

  it('reads back any padded table (property test over random tables)', () => {
    let seed = 12345
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const word = () =>
      Array.from({length: 1 + random(12)}, () => 'abcdefghijklmnopqrstuvwxyzABC0123456789_()-/.:'[random(46)]).join('')
    for (let trial = 0; trial < 300; trial++) {
      const columns = 1 + random(9)
      const header = Array.from({length: columns}, (_, index) => `Col${index}${word().replace(/[^A-Za-z0-9]/g, '')}`)
      const rows = Array.from({length: random(6)}, () =>
        header.map((_, column) => {
          const kind = random(5)
          if (kind === 0 && column > 0 && column < columns - 1) return '' // empty cell in the middle
          if (kind === 1) return `${word()} ${word()}` // one inner space, like a timestamp
          return word()
        }),
      )
      const parsed = parseTable(table([header, ...rows]))
      expect(parsed.header).toEqual(header)
      // Trailing empty cells vanish with the line's trailing spaces: compare trimmed rows.
      expect(parsed.rows.map((row) => row.map((cell) => cell.trim()))).toEqual(
        rows.map((row) => row.map((cell) => cell.trim())),
      )
    }
  })

  it('reads list-chains with 1 to 6 Target columns, missing targets and states it does not know (property test)', () => {
    let seed = 777
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const publics = ['SERVING', 'LASTSRV', 'SYNCING', 'WAITING', 'OFFLINE', 'INVALID', 'SOME_NEW_STATE']
    const locals = ['UPTODATE', 'ONLINE', 'OFFLINE', 'NEWER_LOCAL']
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + random(6)
      const chains = Array.from({length: random(8)}, (_, index) => {
        const count = 1 + random(width)
        const targets = Array.from({length: count}, (_, slot) => ({
          id: 100000000 + index * 10 + slot,
          publicState: publics[random(publics.length)]!,
          localState: locals[random(locals.length)]!,
        }))
        const up = targets.filter((target) => target.publicState === 'SERVING').length
        const status =
          up === 0 ? 'UNAVAILABLE' : up < count ? `SERVING(${up}/${count})` : random(3) === 0 ? 'BRAND_NEW' : 'SERVING'
        return {chainId: 900000 + index, status, targets}
      })
      const text = table([
        ['ChainId', 'ReferencedBy', 'ChainVersion', 'Status', 'PreferredOrder', ...Array<string>(width).fill('Target')],
        ...chains.map((chain) => [
          String(chain.chainId),
          '1',
          '3',
          chain.status,
          '[]',
          ...chain.targets.map((target) => `${target.id}(${target.publicState}-${target.localState})`),
        ]),
      ])
      const parsed = parseListChains(text)
      expect(parsed.map((chain) => chain.chainId)).toEqual(chains.map((chain) => chain.chainId))
      for (const [index, chain] of parsed.entries()) {
        expect(chain.targets).toEqual(chains[index]!.targets)
        const expected = chains[index]!.status
        expect(chain.serving ? `${chain.status}(${chain.serving.up}/${chain.serving.total})` : chain.status).toBe(
          expected,
        )
      }
    }
  })

  it('never crashes on arbitrary output: it parses, or names the admin_cli error (fuzz)', () => {
    let seed = 4242
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const alphabet = 'ab XY  12()-\n:|\t\u00e9'
    const parsers = [parseListNodes, parseListChains, parseListTargets, parseListChainTables, parseListClients]
    for (let trial = 0; trial < 500; trial++) {
      const length = random(200)
      let text = Array.from({length}, () => alphabet[random(alphabet.length)]).join('')
      if (random(10) === 0) text = `Encounter error: ${random(9999)}(Some::Name)\n${text}`
      for (const parse of parsers) {
        try {
          expect(Array.isArray(parse(text))).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(AdminCliError)
        }
      }
    }
  })

  it('reads list-chain-tables and list-clients as 3FS prints them', () => {
    const tables = parseListChainTables(
      table([
        ['ChainTableId', 'ChainTableVersion', 'ChainCount', 'ReplicaCount', 'Desc'],
        ['1', '2', '384', '3', 'replica-3'],
      ]),
    )
    expect(tables).toEqual([
      {tableId: 1, version: 2, chainCount: 384, replicaCount: 3, replicaCounts: [3], desc: 'replica-3'},
    ])
    const clients = parseListClients(
      table([
        [
          'ClientId',
          'ClientStart',
          'SessionStart',
          'LastExtend',
          'ConfigVersion',
          'Hostname',
          'Description',
          'Tags',
          'ReleaseVersion',
        ],
        [
          '0e9c-11',
          '2026-11-27 20:00:05',
          '2026-11-27 20:00:05',
          '2026-11-28 01:59:50',
          '3(DIRTY)',
          'client7',
          'fuse: client7',
          '[]',
          '250228',
        ],
        [
          '0e9c-12',
          '2026-11-27 20:00:05',
          '2026-11-27 20:00:05',
          '2026-11-28 01:59:50',
          '3',
          'client8',
          'N/A',
          '[]',
          '250228',
        ],
      ]),
    )
    expect(clients.map((client) => [client.hostname, client.configUpToDate, client.lastExtend])).toEqual([
      ['client7', false, '2026-11-28 01:59:50'],
      ['client8', true, '2026-11-28 01:59:50'],
    ])
  })

  it("does not count list-clients' `Mgmtd Bootstrapping` row as a client (ListClients.cc:98-101) and reports it", () => {
    const text = table([
      [
        'ClientId',
        'ClientStart',
        'SessionStart',
        'LastExtend',
        'ConfigVersion',
        'Hostname',
        'Description',
        'Tags',
        'ReleaseVersion',
      ],
      [
        '0e9c-11',
        '2026-11-27 20:00:05',
        '2026-11-27 20:00:05',
        '2026-11-28 01:59:50',
        '3(UPTODATE)',
        'client7',
        'fuse: client7',
        '[]',
        '250228',
      ],
      ['Mgmtd Bootstrapping', 'The client list may be incomplete'],
    ])
    expect(parseListClients(text).map((client) => client.clientId)).toEqual(['0e9c-11'])
    expect(listClientsBootstrapping(text)).toBe(true)
    expect(listClientsBootstrapping(text.split('\n').slice(0, 2).join('\n'))).toBe(false)
  })

  it('reads ReplicaCount as 3FS joins mixed counts (`2/3`, ListChainTables.cc:43)', () => {
    const tables = parseListChainTables(
      table([
        ['ChainTableId', 'ChainTableVersion', 'ChainCount', 'ReplicaCount', 'Desc'],
        ['1', '1', '6', '3', 'replication-3'],
        ['2', '1', '4', '2/3', ''],
      ]),
    )
    expect(tables.map((entry) => [entry.replicaCount, entry.replicaCounts])).toEqual([
      [3, [3]],
      [3, [2, 3]],
    ])
  })
})

describe('admin_cli batch answers', () => {
  const error = (code: number, name: string, detail?: string) => new AdminCliError(code, name, detail)

  it('finds every error of a batch, in order, each with its message line', () => {
    const output =
      'Create target 1 on disk 0 of 10001 succeeded\nEncounter error: 4018(Storage::StorageInitFailed)\ntarget 2 is already existing\nEncounter error: 5018(Mgmtd::TargetExisted) target: 3\n'
    expect(findAdminCliErrors(output).map((found) => [found.code, found.errorName, found.detail])).toEqual([
      [4018, 'Storage::StorageInitFailed', 'target 2 is already existing'],
      [5018, 'Mgmtd::TargetExisted', 'target: 3'],
    ])
    expect(findAdminCliErrors('Create target 1 on disk 0 of 10001 succeeded\n')).toEqual([])
  })

  it('counts only the exact "target already exists" answers as done (3FS StorageTargets.cc:169, UpdateChainOperation.cc:42)', () => {
    expect(
      isTargetAlreadyExists(error(4018, 'Storage::StorageInitFailed', 'target 101000100101 is already existing')),
    ).toBe(true)
    expect(isTargetAlreadyExists(error(4018, 'StorageInitFailed', ' target 7 is already existing '))).toBe(true)
    expect(isTargetAlreadyExists(error(5018, 'Mgmtd::TargetExisted', undefined))).toBe(true)
    expect(isTargetAlreadyExists(error(5018, 'TargetExisted', 'target: 1'))).toBe(true)
    // Same code, other meaning: real errors.
    expect(
      isTargetAlreadyExists(
        error(4018, 'Storage::StorageInitFailed', 'target 7 is existing in memory, but not found in disk'),
      ),
    ).toBe(false)
    expect(
      isTargetAlreadyExists(
        error(4018, 'Storage::StorageInitFailed', 'target 7 is existing with same chain id 9, req target 8'),
      ),
    ).toBe(false)
    expect(isTargetAlreadyExists(error(4018, 'Storage::StorageInitFailed', 'old target 7 is already existing'))).toBe(
      false,
    )
    expect(
      isTargetAlreadyExists(error(4018, 'Storage::StorageInitFailed', 'target 7 is already existing, and more')),
    ).toBe(false)
    expect(isTargetAlreadyExists(error(4018, 'Storage::StorageInitFailed', undefined))).toBe(false)
    // Other codes or names, whatever they say.
    expect(isTargetAlreadyExists(error(4017, 'Storage::StorageInitFailed', 'target 7 is already existing'))).toBe(false)
    expect(isTargetAlreadyExists(error(4018, 'Storage::StorageUUIDMismatch', 'target 7 is already existing'))).toBe(
      false,
    )
    expect(isTargetAlreadyExists(error(4018, 'XStorage::StorageInitFailed', 'target 7 is already existing'))).toBe(
      false,
    )
    expect(isTargetAlreadyExists(error(4018, 'Storage::StorageInitFailedX', 'target 7 is already existing'))).toBe(
      false,
    )
    expect(isTargetAlreadyExists(error(5018, 'Mgmtd::TargetNotFound', undefined))).toBe(false)
    expect(isTargetAlreadyExists(error(5018, 'XMgmtd::TargetExisted', undefined))).toBe(false)
    expect(isTargetAlreadyExists(error(5018, 'Mgmtd::TargetExistedX', undefined))).toBe(false)
    expect(isTargetAlreadyExists(error(5017, 'Mgmtd::TargetExisted', undefined))).toBe(false)
    expect(isTargetAlreadyExists(error(3007, 'Meta::Exists', 'rename dest exist'))).toBe(false)
  })
})
