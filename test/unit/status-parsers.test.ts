/**
 * The parsers status reads a node's probe with (src/status/fdb.ts, src/status/node-state.ts,
 * src/cluster/probe-protocol.ts), fed the shapes the probe scripts (src/status/probe-scripts.ts) really print:
 * `fdbcli --exec 'status json'`, `docker version`/`inspect --format`, findmnt -P, `df -P -B1`, the timed mount
 * probe and the disk records. Each test pins one reading a changed parser would get wrong.
 */
import {describe, expect, it} from 'vitest'

import {
  decodeRecordBytes,
  decodeSection,
  encodeRecord,
  sectionMarker,
  splitSections,
} from '../../src/cluster/probe-protocol.js'
import {parseFdbStatus} from '../../src/status/fdb.js'
import type {LayoutNode} from '../../src/status/layout.js'
import {nodeState, parseContainers, parseDisks, parseMount, parseRuntime} from '../../src/status/node-state.js'

const fdbJson = (body: object) => JSON.stringify(body, null, 2)

describe('FoundationDB status json', () => {
  it('reads availability, health, messages and the process count after fdbcli chatter', () => {
    const text = `Using cluster file \`/etc/foundationdb/fdb.cluster'.\n${fdbJson({
      client: {
        database_status: {available: true, healthy: false},
        messages: [{name: 'status_incomplete', description: 'Unable to retrieve all status information.'}],
      },
      cluster: {
        messages: [{name: 'unreachable_processes'}, {}],
        processes: {a1: {}, b2: {}, c3: {}},
      },
    })}`
    expect(parseFdbStatus(text)).toEqual({
      parsed: true,
      available: true,
      healthy: false,
      // The description when there is one, else the name; client messages first; empty ones dropped.
      messages: ['Unable to retrieve all status information.', 'unreachable_processes'],
      processes: 3,
    })
  })

  it('counts only literal true as available or healthy, and leaves processes out when the cluster has none listed', () => {
    const state = parseFdbStatus(fdbJson({client: {database_status: {available: 'true', healthy: 1}}}))
    expect(state).toEqual({parsed: true, available: false, healthy: false, messages: []})
    expect('processes' in state).toBe(false)
    expect(parseFdbStatus(fdbJson({cluster: {processes: {}}}))).toEqual({
      parsed: true,
      available: false,
      healthy: false,
      messages: [],
      processes: 0,
    })
  })

  it('without JSON gives the first non-empty line as the error', () => {
    expect(parseFdbStatus('\n  \n  Error: No such container: 3fs-fdb  \nmore\n')).toEqual({
      parsed: false,
      messages: [],
      error: 'Error: No such container: 3fs-fdb',
    })
    expect(parseFdbStatus('')).toEqual({parsed: false, messages: [], error: 'no output'})
    // A brace that starts no valid JSON (a timeout cut the output short) is no status either.
    expect(parseFdbStatus('WARNING: {partial\n{"client": {')).toEqual({
      parsed: false,
      messages: [],
      error: 'WARNING: {partial',
    })
  })
})

describe('container engine and containers', () => {
  it('reads the engine path and server version', () => {
    expect(parseRuntime(`${encodeRecord({PATH: '/usr/bin/docker', VERSION: '26.1.5'})}\n`)).toEqual({
      present: true,
      path: '/usr/bin/docker',
      version: '26.1.5',
    })
    expect(parseRuntime('  missing \n')).toEqual({present: false})
  })

  it('an engine that does not answer: the whole error, an old capture: its first line that is no field, else a fallback', () => {
    const error = 'Client:\n Version: 26.1.5\n\nCannot connect to the Docker daemon at unix:///var/run/docker.sock.'
    expect(parseRuntime(encodeRecord({PATH: '/usr/bin/docker', ERROR: `\n${error}\n`}))).toEqual({
      present: true,
      path: '/usr/bin/docker',
      problem: error,
    })
    expect(parseRuntime('PATH="/usr/bin/docker"\npermission denied while trying to connect\n')).toEqual({
      present: true,
      path: '/usr/bin/docker',
      problem: 'permission denied while trying to connect',
    })
    // A line holding KEY= further in is still an error line, not a field.
    expect(parseRuntime('PATH="/usr/bin/docker"\nCannot connect: DOCKER_HOST=unix:///run/x.sock\n')).toMatchObject({
      problem: 'Cannot connect: DOCKER_HOST=unix:///run/x.sock',
    })
    expect(parseRuntime(encodeRecord({PATH: '/usr/bin/podman'}))).toEqual({
      present: true,
      path: '/usr/bin/podman',
      problem: 'no server version',
    })
  })

  it('reads docker inspect lines per expected container: state, restarts, start time, exit code', () => {
    const expected = [
      {service: 'mgmtd' as const, container: '3fs-mgmtd'},
      {service: 'meta' as const, container: '3fs-meta'},
      {service: 'storage' as const, container: '3fs-storage'},
      {service: 'monitor' as const, container: '3fs-monitor'},
      {service: 'fdb' as const, container: '3fs-fdb'},
      {service: 'clickhouse' as const, container: '3fs-fdb-old'},
    ]
    const text = [
      '  3fs-mgmtd|running|0|2026-12-01T10:00:00.5Z|0  ',
      '3fs-meta|exited|x|2026-12-01T10:00:00Z|137',
      '3fs-storage|absent',
      '3fs-monitor||3||',
      '3fs-fdb-old|running|3x|| 7 ',
      'no-pipe-here',
      '|running|0',
    ].join('\n')
    expect(parseContainers(text, expected)).toEqual([
      {
        service: 'mgmtd',
        container: '3fs-mgmtd',
        state: 'running',
        restarts: 0,
        startedAt: '2026-12-01T10:00:00.5Z',
        exitCode: 0,
      },
      // A restart count that is no number is left out, the rest kept.
      {service: 'meta', container: '3fs-meta', state: 'exited', startedAt: '2026-12-01T10:00:00Z', exitCode: 137},
      {service: 'storage', container: '3fs-storage', state: 'absent'},
      {service: 'monitor', container: '3fs-monitor', state: 'unknown', restarts: 3},
      // Not in the output at all (the probe did not get to it): unknown, not absent.
      {service: 'fdb', container: '3fs-fdb', state: 'unknown'},
      // Numbers must be whole: "3x" is no restart count; spaces around one are not part of it.
      {service: 'clickhouse', container: '3fs-fdb-old', state: 'running', exitCode: 7},
    ])
  })
})

describe('the 3FS mount', () => {
  const findmnt = 'TARGET="/3fs" FSTYPE="fuse.hf3fs" SOURCE="hf3fs.bench" PROPAGATION="shared"'

  it('reads findmnt, the df line after its header, and the timed probe', () => {
    const state = parseMount('/3fs', {
      mount: `${findmnt}\n`,
      'mount-df':
        'Filesystem        1-blocks       Used    Available Capacity Mounted on\nhf3fs.bench  107374182400 1073741824 106300440576       1% /3fs\n',
      'mount-probe': `${encodeRecord({PROBE: 'ok', MICROS: '12345'})}\n`,
    })
    expect(state).toEqual({
      path: '/3fs',
      mounted: true,
      fstype: 'fuse.hf3fs',
      source: 'hf3fs.bench',
      propagation: 'shared',
      sizeBytes: 107374182400,
      usedBytes: 1073741824,
      probe: 'ok',
      // 12,345 microseconds, in milliseconds to two places.
      probeMs: 12.35,
    })
  })

  it('nothing mounted there: not mounted, whatever the other sections say', () => {
    expect(parseMount('/3fs', {mount: 'none\n', 'mount-df': 'x 1 2 3 4% /\n'})).toEqual({path: '/3fs', mounted: false})
    expect(parseMount('/3fs', {})).toEqual({path: '/3fs', mounted: false})
  })

  it('a df that failed or timed out gives no size; a probe that failed is failed; odd probe values are dropped', () => {
    const failed = parseMount('/3fs', {
      mount: findmnt,
      'mount-df': 'df: /3fs: Transport endpoint is not connected\n',
      'mount-probe': encodeRecord({PROBE: 'failed', MICROS: '5000000'}),
    })
    expect(failed).toMatchObject({mounted: true, probe: 'failed', probeMs: 5000})
    expect('sizeBytes' in failed).toBe(false)
    expect('usedBytes' in failed).toBe(false)
    const odd = parseMount('/3fs', {mount: findmnt, 'mount-probe': encodeRecord({PROBE: 'maybe', MICROS: '-1'})})
    expect('probe' in odd).toBe(false)
    expect('probeMs' in odd).toBe(false)
    // A df line needs a name and three numbers; a line of numbers after a word that holds one is not taken.
    const header = parseMount('/3fs', {mount: findmnt, 'mount-df': 'Filesystem 1-blocks Used\nweird 12 x 3 4% /\n'})
    expect('sizeBytes' in header).toBe(false)
  })
})

describe('storage data directories', () => {
  it('reads each directory: exists, mounted with its filesystem, size and used; a directory not listed does not exist', () => {
    const text = [
      `${encodeRecord({DIR: '/data/d0', EXISTS: '1'})} FSTYPE="xfs" SOURCE="/dev/nvme0n1" ${encodeRecord({SIZE: '3840755982336', USED: '1024', AVAIL: '3840755981312'})}`,
      `${encodeRecord({DIR: '/data/d1', EXISTS: '1'})} ${encodeRecord({SIZE: 'n/a', USED: '5'})}`,
      encodeRecord({DIR: '/data/d2', EXISTS: '0'}),
      '',
    ].join('\n')
    expect(parseDisks(text, ['/data/d0', '/data/d1', '/data/d2', '/data/d3'])).toEqual([
      {
        path: '/data/d0',
        exists: true,
        mounted: true,
        fstype: 'xfs',
        source: '/dev/nvme0n1',
        sizeBytes: 3840755982336,
        usedBytes: 1024,
      },
      // On the root filesystem (findmnt printed nothing), a size that is no number left out.
      {path: '/data/d1', exists: true, mounted: false},
      {path: '/data/d2', exists: false, mounted: false},
      {path: '/data/d3', exists: false, mounted: false},
    ])
  })
})

describe('a node from its probe sections', () => {
  const full: LayoutNode = {
    name: 'n1',
    host: '10.0.0.1',
    services: ['mgmtd', 'storage', 'client'],
    containers: [{service: 'mgmtd', container: '3fs-mgmtd'}],
    mountpoint: '/3fs',
    dataDirs: ['/data/d0'],
  }
  const bare: LayoutNode = {name: 'n2', host: '10.0.0.2', services: [], containers: [], dataDirs: []}

  it('unreachable: no probe at all, or the error that stopped it', () => {
    expect(nodeState(full, undefined)).toEqual({
      name: 'n1',
      host: '10.0.0.1',
      services: ['mgmtd', 'storage', 'client'],
      containers: [],
      disks: [],
      missing: ['all'],
      reachable: false,
    })
    const error = {kind: 'auth', message: 'permission denied (publickey)'}
    expect(nodeState(full, {sections: {}, error})).toMatchObject({reachable: false, error, missing: [], containers: []})
  })

  it('a full probe: hostname, uptime rounded, engine, containers, mount and disks, nothing missing', () => {
    const state = nodeState(full, {
      sections: {
        hostname: '  n1.example  \n',
        uptime: '3600.51 7000.00\n',
        runtime: encodeRecord({PATH: '/usr/bin/docker', VERSION: '26.1.5'}),
        containers: '3fs-mgmtd|running|2|2026-12-01T10:00:00Z|0\n',
        mount: 'TARGET="/3fs" FSTYPE="fuse.hf3fs" SOURCE="hf3fs.c" PROPAGATION="shared"\n',
        disks: `${encodeRecord({DIR: '/data/d0', EXISTS: '1'})}\n`,
      },
    })
    expect(state).toMatchObject({
      reachable: true,
      hostname: 'n1.example',
      uptimeSeconds: 3601,
      runtime: {present: true, version: '26.1.5'},
      containers: [{container: '3fs-mgmtd', state: 'running', restarts: 2}],
      mount: {path: '/3fs', mounted: true, fstype: 'fuse.hf3fs'},
      disks: [{path: '/data/d0', exists: true, mounted: false}],
      missing: [],
    })
  })

  it('a partial probe names the sections it lacks, and reads nothing it does not have', () => {
    const state = nodeState(full, {sections: {hostname: 'n1\n', uptime: 'up 42.5 s'}})
    expect(state.missing).toEqual(['runtime', 'containers', 'mount', 'disks'])
    expect(state.uptimeSeconds).toBeUndefined()
    expect(state.mount).toBeUndefined()
    expect(state.disks).toEqual([])
    expect(state.runtime).toBeUndefined()
    // No container output: each expected one is unknown (not absent: nobody said so).
    expect(state.containers).toEqual([{service: 'mgmtd', container: '3fs-mgmtd', state: 'unknown'}])
    // A node without containers, mount or disks is only asked for its hostname.
    expect(nodeState(bare, {sections: {}}).missing).toEqual(['hostname'])
    expect(nodeState(bare, {sections: {hostname: 'n2'}})).toMatchObject({missing: [], containers: [], disks: []})
  })

  it('no container engine on the node: every expected container is no-runtime, whatever else was printed', () => {
    const state = nodeState(full, {
      sections: {hostname: 'n1', runtime: 'missing\n', containers: '3fs-mgmtd|running|0||0\n'},
    })
    expect(state.containers).toEqual([{service: 'mgmtd', container: '3fs-mgmtd', state: 'no-runtime'}])
    expect(state.runtime).toEqual({present: false})
  })
})

describe('probe sections and records', () => {
  it('splits sections by marker, drops text before the first, and ends each with one newline', () => {
    const output = `Welcome to node1 (login banner)\n${sectionMarker('hostname')}n1\n\n\n${sectionMarker(' uptime ')}1.5 2.5${sectionMarker('empty')}`
    expect(splitSections(output)).toEqual({hostname: 'n1\n', uptime: '1.5 2.5\n', empty: '\n'})
    expect(splitSections('no markers at all\n')).toEqual({})
  })

  it('decodes a section record by record, skipping blank lines', () => {
    const text = `\n${encodeRecord({DIR: '/a', EXISTS: '1'})}\n   \n${encodeRecord({DIR: '/b', EXISTS: '0'})}\n`
    expect(decodeSection(text)).toEqual([
      {DIR: '/a', EXISTS: '1'},
      {DIR: '/b', EXISTS: '0'},
    ])
  })

  it('reads empty base64 values and backslash escapes in quoted fields, and ignores text that is no field', () => {
    const fields = decodeRecordBytes('EMPTY= lower=abc QUOTED="a\\"b\\\\c\\x41" junk KEY=QUJD')
    expect(Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value.toString('utf8')]))).toEqual({
      EMPTY: '',
      QUOTED: 'a"b\\cA',
      KEY: 'ABC',
    })
  })
})
