/** The DuckDB extension footer, the version match that decides whether DuckDB loads an extension, and verify's output parsing. */
import {describe, expect, it} from 'vitest'

import {
  makeExtensionFooter,
  parseExtensionFooter,
  versionDirectory,
  versionsMatch,
} from '../../src/duckdb/extension-metadata.js'
import {parseVerifyOutput, threefsUrl, verifySql} from '../../src/duckdb/verify.js'
import {initSql} from '../../src/duckdb/install.js'

describe('duckdb extension metadata', () => {
  it('reads back the fields of a footer appended to any binary', () => {
    const file = Buffer.concat([
      Buffer.from('\u007fELF...'),
      makeExtensionFooter({
        platform: 'linux_amd64',
        duckdbVersion: 'v1.2.1',
        extensionVersion: 'abc123',
        abiType: 'CPP',
      }),
    ])
    expect(parseExtensionFooter(file)).toEqual({
      platform: 'linux_amd64',
      duckdbVersion: 'v1.2.1',
      extensionVersion: 'abc123',
      abiType: 'CPP',
    })
    expect(parseExtensionFooter(Buffer.alloc(600))).toBeUndefined()
    expect(parseExtensionFooter(Buffer.from('short'))).toBeUndefined()
  })

  it('matches releases by tag and dev builds by short commit, and nothing else', () => {
    expect(versionsMatch('v1.2.1', 'v1.2.1 8e52ec4395')).toBe(true)
    expect(versionsMatch('5f5512b827', 'v1.2.2-dev123 5f5512b827')).toBe(true)
    expect(versionsMatch('v1.2.1', 'v1.2.2-dev123 5f5512b827')).toBe(false)
    expect(versionsMatch('0123456789', 'v1.5.6-dev42 9876543210')).toBe(false)
    expect(versionDirectory('v1.2.2-dev123 5f5512b827')).toBe('5f5512b827')
    expect(versionDirectory('v1.2.1 8e52ec4395')).toBe('v1.2.1')
  })

  it('takes the commit as the last token: DuckDB >= 1.4 prints "vX (Codename) hash"', () => {
    expect(versionsMatch('b390a7c376', 'v1.4.2-dev7 (Andium) b390a7c376')).toBe(true)
    expect(versionsMatch('(Andium)', 'v1.4.2-dev7 (Andium) b390a7c376')).toBe(false)
    expect(versionDirectory('v1.4.2-dev7 (Andium) b390a7c376')).toBe('b390a7c376')
    expect(versionDirectory('v1.4.1 (Andium) b390a7c376')).toBe('v1.4.1')
  })
})

describe('duckdb verify and init', () => {
  it('maps mount paths to 3fs:// URLs the extension serves', () => {
    expect(threefsUrl('/3fs/duckdb/x.parquet')).toBe('3fs://3fs/duckdb/x.parquet')
    expect(verifySql('/3fs/a/t.parquet', 10)).toContain("read_parquet('3fs://3fs/a/t.parquet')")
  })

  it('parses rows and timer lines in statement order', () => {
    const output = [
      'mount_root,/3fs/',
      'Run Time (s): real 0.001 user 0 sys 0',
      'Run Time (s): real 0.250 user 0 sys 0',
      'read3fs,100,42',
      'Run Time (s): real 0.020 user 0 sys 0',
      'expected,100,42',
      'Run Time (s): real 0.004 user 0 sys 0',
      'threefs,0',
      'Run Time (s): real 0.001 user 0 sys 0',
      'readPath,100,42',
      'Run Time (s): real 0.030 user 0 sys 0',
    ].join('\n')
    expect(parseVerifyOutput(output)).toEqual({
      mountRoot: '/3fs/',
      write: {ms: 250},
      read3fs: {rows: 100, checksum: '42', ms: 20},
      readPath: {rows: 100, checksum: '42', ms: 30},
      expected: {rows: 100, checksum: '42', ms: 4},
      plainLoadedThreefs: false,
    })
  })

  it('writes an init file that never leaves threefs_mount_root at the extension\'s "/" default', () => {
    const sql = initSql({mountRoot: "/3fs/it's/", iovSize: 16384, iorEntries: 1024, ioDepth: 0})
    expect(sql).toContain('LOAD threefs;')
    expect(sql).toContain("SET threefs_mount_root = '/3fs/it''s/';")
  })
})

describe('duckdb build steps', () => {
  it('runs every step in the build container with the source mounted, and builds 3FS only once', async () => {
    const {buildSteps} = await import('../../src/duckdb/build.js')
    const paths = {
      root: '/opt/3fs/duckdb-build',
      src: '/opt/3fs/duckdb-build/src',
      out: '/opt/3fs/duckdb-build/out',
      log: '/opt/3fs/duckdb-build/build.log',
    }
    const steps = buildSteps(
      {python: true, mode: 'container', buildImage: 'open3fs/3fs-build:1', runtime: 'docker', jobs: 8},
      paths,
    )
    expect(steps.map((step) => step.name)).toEqual(['3fs', 'extension', 'python', 'collect'])
    for (const step of steps.slice(0, 3))
      expect(step.command).toMatch(
        /^docker run --rm --network host -v \/opt\/3fs\/duckdb-build\/src:\/src -w \/src open3fs\/3fs-build:1 bash -c /,
      )
    expect(steps[1]!.command).toContain("EXT_FLAGS='\\''-DBUILD_3FS_LIB=OFF'\\'' make release -j8")
    expect(steps[2]!.command).toContain('python3 -m pip wheel --no-deps')
    const host = buildSteps({python: false, mode: 'host', buildImage: '', runtime: 'docker'}, paths)
    expect(host[0]!.command).toBe('cd /opt/3fs/duckdb-build/src && bash ./build_3fs.sh')
    expect(host[1]!.command).toContain('-j$(nproc)')
  })
})
