/** The host-mode build prerequisites judged from probe output (as src/duckdb/build-prereqs.ts's probe prints it). */
import {describe, expect, it} from 'vitest'

import {installAdvice, judgeProbe, versionAtLeast} from '../../src/duckdb/build-prereqs.js'

const everything = [
  ...['make', 'cmake', 'ninja', 'c++', 'git', 'clang', 'clang++', 'ld.lld', 'cargo', 'rustc', 'pkg-config'].map(
    (tool) => `@@tool ${tool} /usr/bin/${tool}`,
  ),
  '@@fuse3 3.17.2',
  '@@rustc rustc 1.85.0 (4d91de4e4 2025-02-17)',
  '@@fdb-header /usr/include/foundationdb/fdb_c.h',
  '@@fdb-lib /usr/lib/libfdb_c.so',
].join('\n')

describe('duckdb build prerequisites (host mode)', () => {
  it('finds nothing missing when the probe saw every tool, libfuse3 >= 3.16.1, Rust >= 1.75 and the fdb client', () => {
    expect(judgeProbe(everything, {gitSource: true, python: false})).toEqual([])
  })

  it('names libfuse3 3.14 and rustc 1.63 as too old, with the package that brings a new enough one', () => {
    const output = everything.replace('@@fuse3 3.17.2', '@@fuse3 3.14.0').replace('rustc 1.85.0', 'rustc 1.63.0')
    const missing = judgeProbe(output, {gitSource: true, python: false})
    expect(missing.map((entry) => entry.what)).toEqual([
      'rustc 1.63.0 (needs >= 1.75.0)',
      'libfuse3 3.14.0 (needs >= 3.16.1)',
    ])
    expect(missing[1]!.package).toMatch(/^libfuse3-dev >= 3\.16\.1/)
  })

  it('lists every missing tool and the FoundationDB client at once, apt names joined into one command', () => {
    const output = [
      '@@tool make /usr/bin/make',
      '@@tool cmake -',
      '@@tool clang -',
      '@@fdb-header -',
      '@@fdb-lib -',
    ].join('\n')
    const missing = judgeProbe(output, {gitSource: false, python: true})
    expect(missing.map((entry) => entry.what)).toEqual([
      'cmake',
      'ninja',
      'c++',
      'python3',
      'clang',
      'clang++',
      'ld.lld',
      'cargo',
      'rustc',
      'pkg-config',
      'libfuse3 (version unknown without pkg-config)',
      'FoundationDB client header foundationdb/fdb_c.h (in /usr/include or /usr/local/include)',
      'FoundationDB client library libfdb_c.so (in /usr/lib or /usr/local/lib)',
    ])
    expect(installAdvice(missing)[0]).toBe('apt-get install cmake ninja-build g++ python3 clang lld pkg-config')
    expect(installAdvice(missing).join('\n')).toMatch(/foundationdb-clients 7\.1 or newer/)
  })

  it('asks for pip when --python and python3 has none', () => {
    const output = `${everything}\n@@tool python3 /usr/bin/python3\n@@pip -`
    expect(judgeProbe(output, {gitSource: true, python: true})).toEqual([
      {what: 'pip for python3', package: 'python3-pip'},
    ])
  })

  it('compares dotted versions numerically', () => {
    expect(versionAtLeast('3.16.1', '3.16.1')).toBe(true)
    expect(versionAtLeast('3.9.9', '3.16.1')).toBe(false)
    expect(versionAtLeast('3.17', '3.16.1')).toBe(true)
  })
})
