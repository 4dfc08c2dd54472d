/**
 * What a host-mode duckdb-3fs build needs on the build node, probed in ONE command before anything is
 * fetched, so every missing piece is named at once with the Debian/Ubuntu package that brings it
 * (instead of a clone, then a cmake error hours into the build). The probe runs as the build steps do
 * (under sudo, so with sudo's secure_path): a toolchain installed only in a user's home (rustup) is
 * not seen by the build either.
 *
 * Where each need comes from:
 * - duckdb-3fs build_3fs.sh:15 configures 3FS with `-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang`.
 * - 3FS ee9a5ce CMakeLists.txt:57-60: with Clang it links with `-fuse-ld=lld`, so ld.lld must exist.
 * - 3FS ee9a5ce README.md:95-99 "Install other build prerequisites": libfuse 3.16.1 or newer,
 *   FoundationDB 7.1 or newer, Rust toolchain minimal 1.75.0.
 * - 3FS ee9a5ce src/fdb/FDB.h:14 includes <foundationdb/fdb_c.h> and src/fdb/CMakeLists.txt:1 links
 *   fdb_c, with no find_package: the compiler's own search paths must hold both, so the probe asks
 *   clang++ for them (its include list, -print-file-name).
 * - 3FS ee9a5ce src/fuse/FuseClients.h:34 includes <fuse3/fuse_lowlevel.h>, src/fuse/CMakeLists.txt:7
 *   links fuse3; the version is read from libfuse3-dev's pkg-config file.
 * - 3FS ee9a5ce cmake/AddCrate.cmake:2-11 runs `cargo build` for the Rust crates.
 * - duckdb-3fs's `make release` with GEN=ninja (the extension step), git for a git source, python3 with
 *   pip for --python.
 */
import {shellQuote} from '../remote/shell.js'

/** 3FS ee9a5ce README.md:97. */
export const FUSE3_MIN = '3.16.1'
/** 3FS ee9a5ce README.md:99 ("minimal 1.75.0"). */
export const RUST_MIN = '1.75.0'

export interface MissingPrerequisite {
  /** What is missing or too old, e.g. "clang++" or "libfuse3 3.14.0 (needs >= 3.16.1)". */
  what: string
  /** The Debian/Ubuntu package (or install route) that brings it. */
  package: string
}

const FUSE3_PACKAGE = `libfuse3-dev >= ${FUSE3_MIN} (Debian 13 has it; Debian 12 and Ubuntu 24.04 ship 3.14: build libfuse ${FUSE3_MIN} or newer from source)`
const FDB_PACKAGE = 'foundationdb-clients 7.1 or newer (the .deb from FoundationDB releases; not in the distribution)'
const RUST_PACKAGE = `rustc and cargo >= ${RUST_MIN} (apt-get install rustc cargo where the release has it, else rustup into a directory on sudo's secure_path)`

/** The Debian/Ubuntu package of each tool the probe looks for. */
const TOOL_PACKAGES: Record<string, string> = {
  make: 'make (build-essential)',
  cmake: 'cmake',
  ninja: 'ninja-build',
  'c++': 'g++ (build-essential)',
  git: 'git',
  python3: 'python3',
  clang: 'clang',
  'clang++': 'clang',
  'ld.lld': 'lld',
  cargo: RUST_PACKAGE,
  rustc: RUST_PACKAGE,
  'pkg-config': 'pkg-config (to read libfuse3-dev version)',
}

export interface ProbeOptions {
  gitSource: boolean
  python: boolean
}

export function hostTools(options: ProbeOptions): string[] {
  return [
    'make',
    'cmake',
    'ninja',
    'c++',
    ...(options.gitSource ? ['git'] : []),
    ...(options.python ? ['python3'] : []),
    'clang',
    'clang++',
    'ld.lld',
    'cargo',
    'rustc',
    'pkg-config',
  ]
}

/** One shell command printing "@@key value" lines; it changes nothing on the node. */
export function probeScript(options: ProbeOptions): string {
  return [
    `for t in ${hostTools(options).map(shellQuote).join(' ')}; do p=$(command -v "$t" 2>/dev/null) && echo "@@tool $t $p" || echo "@@tool $t -"; done`,
    'if command -v pkg-config >/dev/null 2>&1; then v=$(pkg-config --modversion fuse3 2>/dev/null) && echo "@@fuse3 $v" || echo "@@fuse3 -"; fi',
    'if command -v rustc >/dev/null 2>&1; then echo "@@rustc $(rustc --version 2>/dev/null)"; fi',
    ...(options.python
      ? [
          'if command -v python3 >/dev/null 2>&1; then python3 -m pip --version >/dev/null 2>&1 && echo "@@pip yes" || echo "@@pip -"; fi',
        ]
      : []),
    // Where clang++ looks for headers and libraries (3FS has no find_package for fdb); without clang++,
    // the usual system directories.
    'if command -v clang++ >/dev/null 2>&1; then',
    `  dirs=$(clang++ -E -x c++ -v - </dev/null 2>&1 | sed -n '/^#include <\\.\\.\\.> search starts here:/,/^End of search list\\./p' | sed '1d;$d' | sed 's/^ *//; s/ (framework directory)$//')`,
    '  lib=$(clang++ -print-file-name=libfdb_c.so 2>/dev/null)',
    'else',
    '  dirs="/usr/local/include /usr/include"; lib=""',
    '  for d in /usr/local/lib /usr/lib /usr/lib64 "/usr/lib/$(uname -m)-linux-gnu"; do [ -e "$d/libfdb_c.so" ] && { lib="$d/libfdb_c.so"; break; }; done',
    'fi',
    'h=-; for d in $dirs; do [ -f "$d/foundationdb/fdb_c.h" ] && { h="$d/foundationdb/fdb_c.h"; break; }; done',
    'echo "@@fdb-header $h"',
    'case "$lib" in /*) [ -e "$lib" ] && echo "@@fdb-lib $lib" || echo "@@fdb-lib -" ;; *) echo "@@fdb-lib -" ;; esac',
  ].join('\n')
}

/** Numeric comparison of dotted versions ("3.16.1" vs "3.14.0"); missing parts count as 0. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map((part) => Number.parseInt(part, 10) || 0)
  const b = minimum.split('.').map((part) => Number.parseInt(part, 10) || 0)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

/** Everything the probe output says is missing or too old, in the probe's order. */
export function judgeProbe(output: string, options: ProbeOptions): MissingPrerequisite[] {
  const values = new Map<string, string>()
  const tools = new Map<string, string>()
  for (const line of output.split('\n')) {
    const match = /^@@(\S+) ?(.*)$/.exec(line.trim())
    if (!match) continue
    if (match[1] === 'tool') {
      const [name, path] = match[2]!.split(' ', 2)
      tools.set(name!, path ?? '-')
    } else values.set(match[1]!, match[2]!.trim())
  }
  const missing: MissingPrerequisite[] = []
  const has = (tool: string) => (tools.get(tool) ?? '-') !== '-'
  for (const tool of hostTools(options))
    if (!has(tool)) missing.push({what: tool, package: TOOL_PACKAGES[tool] ?? tool})

  if (options.python && has('python3') && values.get('pip') === '-')
    missing.push({what: 'pip for python3', package: 'python3-pip'})

  if (has('rustc')) {
    const version = /rustc (\d+\.\d+(?:\.\d+)?)/.exec(values.get('rustc') ?? '')?.[1]
    if (version && !versionAtLeast(version, RUST_MIN))
      missing.push({what: `rustc ${version} (needs >= ${RUST_MIN})`, package: RUST_PACKAGE})
  }

  const fuse = values.get('fuse3')
  if (!has('pkg-config')) missing.push({what: 'libfuse3 (version unknown without pkg-config)', package: FUSE3_PACKAGE})
  else if (!fuse || fuse === '-') missing.push({what: 'libfuse3 development files (fuse3.pc)', package: FUSE3_PACKAGE})
  else if (!versionAtLeast(fuse, FUSE3_MIN))
    missing.push({what: `libfuse3 ${fuse} (needs >= ${FUSE3_MIN})`, package: FUSE3_PACKAGE})

  const where = has('clang++') ? "in clang++'s search paths" : 'in /usr/include or /usr/local/include'
  if ((values.get('fdb-header') ?? '-') === '-')
    missing.push({what: `FoundationDB client header foundationdb/fdb_c.h (${where})`, package: FDB_PACKAGE})
  if ((values.get('fdb-lib') ?? '-') === '-')
    missing.push({
      what: `FoundationDB client library libfdb_c.so (${has('clang++') ? "in clang++'s library paths" : 'in /usr/lib or /usr/local/lib'})`,
      package: FDB_PACKAGE,
    })
  return missing
}

/** "apt-get install a b c" for the packages that are plain Debian names, the rest as they are. */
export function installAdvice(missing: MissingPrerequisite[]): string[] {
  const plain = new Set<string>()
  const other = new Set<string>()
  for (const entry of missing) {
    const name = /^([a-z0-9][a-z0-9+.-]*)(?: \((build-essential|to read[^)]*)\))?$/.exec(entry.package)?.[1]
    if (name) plain.add(name)
    else other.add(entry.package)
  }
  return [...(plain.size > 0 ? [`apt-get install ${[...plain].join(' ')}`] : []), ...other]
}
