import {describe, expect, it} from 'vitest'

import {
  aptInstallHint,
  describeMissing,
  packageFor,
  parseLddMissing,
  parseLddScript,
} from '../../src/remote/library-deps.js'

describe('library dependencies from ldd', () => {
  it("names the Debian/Ubuntu package of what 3FS's client library links (numa, rt, ibverbs, folly's deps)", () => {
    expect(packageFor('libnuma.so.1')).toBe('libnuma1')
    expect(packageFor('librt.so.1')).toBe('libc6')
    expect(packageFor('libibverbs.so.1')).toBe('libibverbs1')
    expect(packageFor('libgflags.so.2.2')).toBe('libgflags2.2')
    expect(packageFor('libdouble-conversion.so.3')).toBe('libdouble-conversion3')
    expect(packageFor('libevent-2.1.so.7')).toBe('libevent-2.1-7')
    expect(packageFor('libboost_program_options.so.1.74.0')).toBe('libboost-program-options1.74.0')
    expect(packageFor('libunwind.so.8')).toBe('libunwind8')
    expect(packageFor('libfoo.so.3')).toBe('unknown: apt-file search libfoo.so.3')
  })

  it('reads only the "not found" lines, once each, per file', () => {
    const output = [
      '@@file /opt/3fs/lib/libhf3fs_api_shared.so',
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibnuma.so.1 => not found',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)',
      '\tlibnuma.so.1 => not found',
      '@@file /home/u/.duckdb/extensions/v1.2.1/linux_amd64/threefs.duckdb_extension',
      '\tnot a dynamic executable',
    ].join('\n')
    const entries = parseLddScript(output)
    expect(entries).toEqual([
      {file: '/opt/3fs/lib/libhf3fs_api_shared.so', missing: [{library: 'libnuma.so.1', package: 'libnuma1'}]},
      {file: '/home/u/.duckdb/extensions/v1.2.1/linux_amd64/threefs.duckdb_extension', missing: []},
    ])
    expect(describeMissing(entries)).toBe('libnuma.so.1 (libnuma1) for /opt/3fs/lib/libhf3fs_api_shared.so')
    expect(
      aptInstallHint([
        ...entries,
        {file: 'x', missing: parseLddMissing('libglog.so.0 => not found\nlibzz.so.1 => not found')},
      ]),
    ).toBe('apt-get install libnuma1 libgoogle-glog0v6')
  })
})
