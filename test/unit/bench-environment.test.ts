/**
 * The environment a saved result records: the shell probe a node runs and the in-process reading for this
 * machine must agree, figure for figure, with what the kernel reports (uname, nproc, /proc/meminfo).
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {availableParallelism, release, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {parseResources, RESOURCES_PROBE} from '../../src/bench/resources.js'
import {parseProbe, probeScript} from '../../src/bench/results/environment.js'

const dir = mkdtempSync(join(tmpdir(), '3fs-cli-environment-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
const sh = (script: string) => execFileSync('sh', ['-c', script], {encoding: 'utf8'})
const memInfoBytes = (field: string) => {
  const line = readFileSync('/proc/meminfo', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${field}:`))!
  return Number(line.split(/\s+/)[1]) * 1024
}

describe('bench environment probe', () => {
  it('the node probe reads memory to the byte (awk print rounded sizes above 2^31 to six digits)', () => {
    const host = parseProbe('n1', sh(probeScript(join(dir, 'not', 'made', 'yet'))))
    expect(host.memoryBytes).toBe(memInfoBytes('MemTotal'))
    expect(host.memoryBytes).toBe(totalmem())
    expect(host.kernel).toBe(release())
    expect(host.cores).toBe(availableParallelism())
    // The directory does not exist yet: the probe climbs to the nearest one that does, on the same mount.
    expect(host.mount?.target).toBe(sh(`findmnt -n -o TARGET -T ${dir}`).trim())
  })

  it('the resources probe gives MemAvailable in whole bytes', () => {
    const [cores, available] = sh(RESOURCES_PROBE).trim().split('\n')
    expect(Number(cores)).toBe(availableParallelism())
    expect(available).toMatch(/^\d+$/)
    // MemAvailable moves between two reads; the old rounding was off by up to 5e4 x 1024 bytes here.
    expect(Math.abs(Number(available) - memInfoBytes('MemAvailable'))).toBeLessThan(64 << 20)
    expect(Number(available) % 1024).toBe(0)
    expect(parseResources('n1', [cores!, available!], 0.5).memoryBytes).toBe(Math.floor(Number(available) * 0.5))
  })
})
