/**
 * The probe protocol (src/cluster/probe-protocol.ts) through a real shell: what the probe functions print
 * decodes to the bytes they were given, and status's node probe run for real (the docker CLI with an engine
 * that is not there) shows the engine's whole error, not the first line of a broken field.
 */
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {
  PROBE_FUNCTIONS,
  decodeRecord,
  decodeRecordBytes,
  encodeRecord,
  splitSections,
} from '../../src/cluster/probe-protocol.js'
import {nodeState} from '../../src/status/node-state.js'
import type {LayoutNode, StatusLayout} from '../../src/status/layout.js'
import {nodeProbeScript} from '../../src/status/probe-scripts.js'
import {containerProblems} from '../../src/status/rules/containers.js'
import {ruleContext} from '../../src/status/rules/types.js'

const dir = mkdtempSync(join(tmpdir(), 'probe-protocol-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function sh(script: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): Buffer {
  const result = spawnSync('sh', ['-c', `${PROBE_FUNCTIONS}\n${script}`, 'sh', ...args], {env})
  expect(result.status, result.stderr.toString()).toBe(0)
  return result.stdout
}

describe('probe protocol', () => {
  it('carries a value with newlines, quotes, = and spaces from the shell (V) whole', () => {
    const value = 'line one\n  "quoted" \'single\' KEY="fake" a=b\\c\n\ttabbed ünïcode'
    const out = sh('S section; V VALUE "$1"; V EMPTY ""; V OTHER plain; echo', [value]).toString('utf8')
    const record = decodeRecord(splitSections(out).section!.trim())
    expect(record).toEqual({VALUE: value, EMPTY: '', OTHER: 'plain'})
  })

  it('carries any NUL-free bytes a command prints (C), trailing newlines included', () => {
    const bytes = Buffer.concat([Buffer.from(Array.from({length: 255}, (_, index) => index + 1)), Buffer.from('\n\n')])
    writeFileSync(join(dir, 'binary'), bytes)
    const out = sh('S bin; C DATA cat "$1"; echo', [join(dir, 'binary')])
    const line = splitSections(out.toString('latin1')).bin!.trim()
    expect(decodeRecordBytes(line).DATA!.equals(bytes)).toBe(true)
  })

  it('decodes what encodeRecord writes, and findmnt/lsblk -P fields (\\xNN escapes) on the same line', () => {
    const line = `${encodeRecord({DIR: '/data/a b', EXISTS: '1'})} FSTYPE="xfs" SOURCE="/dev/disk\\x20one"`
    expect(decodeRecord(line)).toEqual({DIR: '/data/a b', EXISTS: '1', FSTYPE: 'xfs', SOURCE: '/dev/disk one'})
  })

  it('status shows a container engine that does not answer with its whole error (real docker CLI, no engine)', () => {
    const node: LayoutNode = {
      name: 'n1',
      host: '127.0.0.1',
      services: ['mgmtd'],
      containers: [{service: 'mgmtd', container: '3fs-mgmtd'}],
      dataDirs: [],
    }
    const socket = join(dir, 'no-engine.sock')
    const out = sh(nodeProbeScript(node, 'docker'), [], {...process.env, DOCKER_HOST: `unix://${socket}`})
    const state = nodeState(node, {sections: splitSections(out.toString('utf8'))})
    expect(state.runtime?.present).toBe(true)
    expect(state.runtime?.problem).toMatch(new RegExp(`Cannot connect to the Docker daemon at unix://${socket}`))
    const layout: StatusLayout = {
      cluster: 'c',
      mountpoint: '/3fs',
      diskType: 'nvme',
      replicationFactor: 1,
      runtime: 'docker',
      mgmtdContainer: '3fs-mgmtd',
      fdbContainer: '3fs-fdb',
      adminNodes: ['n1'],
      fdbNodes: [],
      nodes: [node],
    }
    const [problem] = containerProblems(state, () => false, ruleContext(layout, '-c x.yml'))
    expect(problem!.cause).toContain(`docker does not answer: Cannot connect to the Docker daemon at unix://${socket}`)
    expect(problem!.cause).not.toContain('VERSION=')
  })

  it('status reads a data directory whose path holds spaces and quotes (real df and findmnt)', () => {
    const data = join(dir, 'data "0" x')
    mkdirSync(data)
    const node: LayoutNode = {
      name: 'n1',
      host: '127.0.0.1',
      services: ['storage'],
      containers: [],
      dataDirs: [data, join(dir, 'absent')],
    }
    const out = sh(nodeProbeScript(node, 'docker'))
    const state = nodeState(node, {sections: splitSections(out.toString('utf8'))})
    expect(state.disks[0]).toMatchObject({path: data, exists: true})
    expect(state.disks[0]!.sizeBytes).toBeGreaterThan(0)
    expect(state.disks[1]).toMatchObject({exists: false, mounted: false})
  })
})
