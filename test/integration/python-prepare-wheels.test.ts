/**
 * python prepare-wheels through the built CLI with STAND-IN wheels (test/fixtures/python-standin.ts).
 * This machine has no index, so pip is pointed by its own environment (PIP_NO_INDEX, PIP_FIND_LINKS) at
 * a local directory standing in for it: real pip download resolving the stand-in duckdb's dependency.
 */
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {writeStandinWheels} from '../fixtures/python-standin.js'
import {ROOT, runCli} from '../helpers/cli.js'

describe('python prepare-wheels (stand-in wheels, a local directory standing in for the index)', () => {
  it('downloads the wheels and their dependencies into one directory with checksums', async () => {
    const wheels = writeStandinWheels(mkdtempSync(join(tmpdir(), 'python-prep-')), {root: ROOT})
    const out = join(mkdtempSync(join(tmpdir(), 'wheelhouse-')), 'house')
    const result = await runCli(
      [
        'python',
        'prepare-wheels',
        '--json',
        '--out',
        out,
        '--duckdb-wheel',
        wheels.duckdb,
        '--smallpond-wheel',
        wheels.smallpond,
      ],
      {env: {PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels.wheelhouse}},
    )
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.files.map((file: any) => file.name)).toEqual([
      'duckdb-1.2.2-py3-none-any.whl',
      'smallpond-0.15.0-py3-none-any.whl',
      'standin_dep-1.0-py3-none-any.whl',
    ])
    expect(readdirSync(out).sort()).toEqual([
      'SHA256SUMS',
      'duckdb-1.2.2-py3-none-any.whl',
      'smallpond-0.15.0-py3-none-any.whl',
      'standin_dep-1.0-py3-none-any.whl',
    ])
    expect(readFileSync(join(out, 'SHA256SUMS'), 'utf8')).toMatch(
      /^[0-9a-f]{64} {2}standin_dep-1\.0-py3-none-any\.whl$/m,
    )
  })

  it('says where to run it when pip cannot find a dependency', async () => {
    const wheels = writeStandinWheels(mkdtempSync(join(tmpdir(), 'python-prep-')), {root: ROOT})
    const out = mkdtempSync(join(tmpdir(), 'wheelhouse-'))
    const result = await runCli(
      [
        'python',
        'prepare-wheels',
        '--json',
        '--out',
        out,
        '--duckdb-wheel',
        wheels.duckdb,
        '--smallpond-wheel',
        wheels.smallpond,
      ],
      {env: {PIP_NO_INDEX: '1'}},
    )
    expect(result.exitCode).not.toBe(0)
    expect(result.json.error.message).toMatch(/pip download failed: .*standin-dep/)
    expect(result.json.error.next.join(' ')).toMatch(/reaches the package index/)
  })
})
