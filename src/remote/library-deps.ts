/**
 * Which shared libraries a file on a node needs and the node lacks, by `ldd`, each with the
 * Debian/Ubuntu package that brings it. Used for libhf3fs_api_shared.so and the duckdb-3fs extension:
 * without this a missing one only shows up later as a dlopen or LOAD failure.
 *
 * What 3FS's client library links (3FS ee9a5ce): src/lib/api/CMakeLists.txt:2 adds numa and rt to
 * client-lib-common; src/common/CMakeLists.txt:6 adds folly and ibverbs, and folly brings the
 * libraries 3FS's README:74-81 installs (glog, gflags, double-conversion, libevent, libunwind,
 * libdwarf, lz4, lzma, boost, OpenSSL, libuv, libaio, gperftools). duckdb-3fs links the extension
 * with --copy-dt-needed-entries, so the extension NEEDs the same ones.
 */
import type {Host} from './host.js'
import {shellQuote} from './shell.js'

export interface MissingLibrary {
  /** The soname ldd could not resolve, e.g. libnuma.so.1. */
  library: string
  /** The Debian/Ubuntu package that ships it (a hint when the soname is unknown). */
  package: string
}

export interface FileDependencies {
  file: string
  missing: MissingLibrary[]
}

// Runtime packages by soname prefix (the part before ".so"). Names as in Debian 12 / Ubuntu 22.04+.
const PACKAGES: Array<[RegExp, string | ((match: RegExpExecArray) => string)]> = [
  [/^lib(c|m|rt|dl|pthread|resolv)\.so/, 'libc6'],
  [/^libnuma\.so/, 'libnuma1'],
  [/^libibverbs\.so/, 'libibverbs1'],
  [/^librdmacm\.so/, 'librdmacm1'],
  [/^libgflags\.so\.(\d+\.\d+)/, (m) => `libgflags${m[1]}`],
  [/^libglog\.so/, 'libgoogle-glog0v6 (libgoogle-glog0v5 on Ubuntu 22.04)'],
  [/^libdouble-conversion\.so\.(\d+)/, (m) => `libdouble-conversion${m[1]}`],
  [/^libevent-(\d+\.\d+)\.so\.(\d+)/, (m) => `libevent-${m[1]}-${m[2]}`],
  [/^libunwind\.so\.(\d+)/, (m) => `libunwind${m[1]}`],
  [/^libdwarf\.so\.(\d+)/, (m) => `libdwarf${m[1]}`],
  [/^liblz4\.so\.(\d+)/, (m) => `liblz4-${m[1]}`],
  [/^liblzma\.so\.(\d+)/, (m) => `liblzma${m[1]}`],
  [/^libzstd\.so\.(\d+)/, (m) => `libzstd${m[1]}`],
  [/^libsnappy\.so/, 'libsnappy1v5'],
  [/^libsodium\.so\.(\d+)/, (m) => `libsodium${m[1]}`],
  [/^lib(ssl|crypto)\.so\.3/, 'libssl3'],
  [/^lib(ssl|crypto)\.so\.1\.1/, 'libssl1.1'],
  [/^libuv\.so\.(\d+)/, (m) => `libuv${m[1]}`],
  [/^libaio\.so\.(\d+)/, (m) => `libaio${m[1]} (libaio1t64 on Ubuntu 24.04)`],
  [/^lib(tcmalloc|profiler)\w*\.so\.(\d+)/, (m) => `libgoogle-perftools${m[2]}`],
  [/^libjemalloc\.so\.(\d+)/, (m) => `libjemalloc${m[1]}`],
  [/^libfuse3\.so\.(\d+)/, (m) => `libfuse3-${m[1]}`],
  [/^libstdc\+\+\.so\.(\d+)/, (m) => `libstdc++${m[1]}`],
  [/^libgcc_s\.so\.(\d+)/, (m) => `libgcc-s${m[1]}`],
  [/^libboost_(\w+)\.so\.([\d.]+)/, (m) => `libboost-${m[1]!.replace(/_/g, '-')}${m[2]}`],
]

/**
 * Where libhf3fs_api_shared.so is on a node: where duckdb install puts it, and the usual places the
 * native worker also tries (native/src/core/usrbio_engine.cc).
 */
export function usrbioLibraryCandidates(workDir: string): string[] {
  return [
    ...new Set([
      `${workDir}/duckdb/lib/libhf3fs_api_shared.so`,
      '/opt/3fs/lib/libhf3fs_api_shared.so',
      '/opt/3fs/bin/libhf3fs_api_shared.so',
      '/usr/local/lib/libhf3fs_api_shared.so',
    ]),
  ]
}

/** The Debian/Ubuntu package that ships `soname`, or how to find it. */
export function packageFor(soname: string): string {
  for (const [pattern, name] of PACKAGES) {
    const match = pattern.exec(soname)
    if (match) return typeof name === 'string' ? name : name(match)
  }
  return `unknown: apt-file search ${soname}`
}

/** Lines "libfoo.so.1 => not found" from ldd's output, in order, without repeats. */
export function parseLddMissing(output: string): MissingLibrary[] {
  const seen = new Set<string>()
  const missing: MissingLibrary[] = []
  for (const line of output.split('\n')) {
    const match = /^\s*(\S+)\s+=>\s+not found/.exec(line)
    if (match && !seen.has(match[1]!)) {
      seen.add(match[1]!)
      missing.push({library: match[1]!, package: packageFor(match[1]!)})
    }
  }
  return missing
}

/**
 * A shell snippet that runs ldd on each existing file and prints "@@file <path>" before its output.
 * `libraryPath` is searched first (as the duckdb-3fs wrapper sets LD_LIBRARY_PATH). A file that is
 * not a dynamic ELF (ldd refuses it) has nothing to report.
 */
export function lddScript(files: string[], libraryPath?: string, globs: string[] = []): string {
  const env = libraryPath ? `LD_LIBRARY_PATH=${shellQuote(libraryPath)} ` : ''
  // `globs` are shell words left unquoted so that the node expands them (the caller builds them).
  return `for f in ${[...files.map(shellQuote), ...globs].join(' ')}; do [ -f "$f" ] || continue; echo "@@file $f"; ${env}ldd "$f" 2>&1 || true; done`
}

/** Splits lddScript's output per file. */
export function parseLddScript(output: string): FileDependencies[] {
  const result: FileDependencies[] = []
  let current: {file: string; text: string} | undefined
  const flush = () => current && result.push({file: current.file, missing: parseLddMissing(current.text)})
  for (const line of output.split('\n')) {
    const file = /^@@file (.+)$/.exec(line)
    if (file) {
      flush()
      current = {file: file[1]!, text: ''}
    } else if (current) current.text += `${line}\n`
  }
  flush()
  return result
}

/** The files among `files` present on the node, each with what ldd could not find. */
export async function libraryDependencies(
  host: Host,
  files: string[],
  options: {libraryPath?: string; signal?: AbortSignal} = {},
): Promise<FileDependencies[]> {
  const result = await host.run(lddScript(files, options.libraryPath), {
    sudo: true,
    signal: options.signal,
    timeoutMs: 60_000,
    label: 'ldd',
  })
  return parseLddScript(result.stdout)
}

/** "libnuma.so.1 (libnuma1), libibverbs.so.1 (libibverbs1) for /opt/3fs/lib/libhf3fs_api_shared.so". */
export function describeMissing(entries: FileDependencies[]): string {
  return entries
    .filter((entry) => entry.missing.length > 0)
    .map((entry) => `${entry.missing.map((lib) => `${lib.library} (${lib.package})`).join(', ')} for ${entry.file}`)
    .join('; ')
}

/** The apt-get line installing every package named (unknown sonames left out). */
export function aptInstallHint(entries: FileDependencies[]): string {
  const packages = [
    ...new Set(
      entries
        .flatMap((entry) => entry.missing.map((lib) => lib.package))
        .filter((name) => !name.startsWith('unknown'))
        .map((name) => name.split(' ')[0]!),
    ),
  ]
  return packages.length > 0 ? `apt-get install ${packages.join(' ')}` : ''
}
