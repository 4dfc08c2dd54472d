/**
 * PATH-controlled build tool DOUBLES for the test hosts: which compilers, Rust, pkg-config data and
 * FoundationDB files a "build node" has, decided by the test and not by what this machine happens to
 * have installed. The test hosts' sudoers (a per-run copy bound over /etc/sudoers) gets a secure_path of
 *   <bin>      the doubles and symlinks to real tools the test chooses to offer
 *   <basics>   symlinks to every program of /usr/local/bin and /usr/bin EXCEPT the build tools below
 *   /usr/sbin:/sbin
 * so every command run with sudo on the nodes (the build steps, the prerequisite probe) sees exactly
 * these. The doubles answer what the prerequisite probe asks, as the real tools print it:
 *   clang/clang++ (DOUBLE): --version; `-E -x c++ -v -` lists "#include <...> search starts here:" with
 *     the test's sysroot include dir on stderr; -print-file-name=NAME prints the path when the sysroot's
 *     lib dir has it, else NAME alone (clang's behaviour for an unknown file).
 *   ld.lld, cargo, rustc (DOUBLES): --version lines.
 *   pkg-config (DOUBLE): --modversion fuse3 prints the version given, or pkg-config's "not found" error.
 * They cannot compile anything: the stand-in duckdb-3fs tree (test/fixtures/duckdb-standin.ts) builds
 * without them.
 */
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {TestHosts} from '../hosts/harness.js'

/** Programs the prerequisite probe looks for: never taken from the machine through <basics>. */
const PROBED = [
  'make',
  'cmake',
  'ninja',
  'c++',
  'g++',
  'git',
  'python3',
  'clang',
  'clang++',
  'ld.lld',
  'cargo',
  'rustc',
  'pkg-config',
  'pkgconf',
]

export interface ToolSet {
  /** Symlinks to the real program (make, cmake, ninja, c++, git, python3 from this machine). */
  real?: string[]
  clang?: boolean
  lld?: boolean
  /** rustc/cargo version, or absent. */
  rust?: string
  /** pkg-config present; fuse3: the version its fuse3.pc says, or absent. */
  pkgConfig?: boolean
  fuse3?: string
  /** foundationdb/fdb_c.h and libfdb_c.so in the clang double's search paths. */
  fdb?: boolean
}

export const ALL_PRESENT: ToolSet = {
  real: ['make', 'cmake', 'ninja', 'c++', 'git', 'python3'],
  clang: true,
  lld: true,
  rust: '1.85.0',
  pkgConfig: true,
  fuse3: '3.16.2',
  fdb: true,
}

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n# DOUBLE for 3fs-cli's tests (test/helpers/build-tool-doubles.ts)\n${body}\n`)
  chmodSync(path, 0o755)
}

export class BuildToolDoubles {
  readonly bin: string
  readonly basics: string
  readonly sysroot: string
  private readonly sudoers: string
  private readonly originalSudoers: string

  constructor(
    private readonly hosts: TestHosts,
    dir: string,
  ) {
    this.bin = join(dir, 'bin')
    this.basics = join(dir, 'basics')
    this.sysroot = join(dir, 'sysroot')
    mkdirSync(this.basics, {recursive: true})
    const seen = new Set<string>()
    for (const source of ['/usr/local/bin', '/usr/bin']) {
      for (const name of readdirSync(source)) {
        if (seen.has(name) || PROBED.includes(name) || /^(clang|ld\.lld|lld|rust|cargo)/.test(name)) continue
        seen.add(name)
        symlinkSync(join(source, name), join(this.basics, name))
      }
    }
    this.sudoers = join(hosts.dir, 'etc', 'sudoers')
    this.originalSudoers = readFileSync(this.sudoers, 'utf8')
  }

  /** Makes the nodes' sudo see exactly this tool set (the sudoers file is rewritten in place: it is bind-mounted). */
  use(tools: ToolSet): void {
    rmSync(this.bin, {recursive: true, force: true})
    rmSync(this.sysroot, {recursive: true, force: true})
    mkdirSync(this.bin, {recursive: true})
    mkdirSync(join(this.sysroot, 'include'), {recursive: true})
    mkdirSync(join(this.sysroot, 'lib'), {recursive: true})
    for (const name of tools.real ?? []) {
      const real = ['/usr/local/bin', '/usr/bin'].map((dir) => join(dir, name)).find((path) => existsSync(path))
      if (!real) throw new Error(`${name} is not installed on this machine (the test offers the real one)`)
      symlinkSync(real, join(this.bin, name))
    }
    if (tools.clang) {
      const clang = [
        `root=${this.sysroot}`,
        'for a in "$@"; do',
        '  case "$a" in',
        '    --version) echo "Debian clang version 14.0.6 (3fs-cli test double)"; exit 0 ;;',
        '    -print-file-name=*) n=${a#-print-file-name=}; if [ -e "$root/lib/$n" ]; then echo "$root/lib/$n"; else echo "$n"; fi; exit 0 ;;',
        '  esac',
        'done',
        'for a in "$@"; do',
        '  if [ "$a" = -v ]; then',
        '    { echo "Debian clang version 14.0.6 (3fs-cli test double)"; echo "#include \\"...\\" search starts here:"; echo "#include <...> search starts here:"; echo " $root/include"; echo "End of search list."; } >&2',
        '    exit 0',
        '  fi',
        'done',
        'echo "clang double: compiling is not what this double does" >&2; exit 1',
      ].join('\n')
      script(join(this.bin, 'clang'), clang)
      script(join(this.bin, 'clang++'), clang)
    }
    if (tools.lld) script(join(this.bin, 'ld.lld'), 'echo "Debian LLD 14.0.6 (compatible with GNU linkers)"')
    if (tools.rust) {
      script(join(this.bin, 'rustc'), `echo "rustc ${tools.rust} (00000000 2025-01-01)"`)
      script(join(this.bin, 'cargo'), `echo "cargo ${tools.rust} (00000000 2025-01-01)"`)
    }
    if (tools.pkgConfig) {
      script(
        join(this.bin, 'pkg-config'),
        [
          ...(tools.fuse3
            ? [`if [ "$1" = --modversion ] && [ "$2" = fuse3 ]; then echo ${tools.fuse3}; exit 0; fi`]
            : []),
          `echo "Package $2 was not found in the pkg-config search path." >&2`,
          `echo "Perhaps you should add the directory containing \\\`$2.pc'" >&2`,
          'exit 1',
        ].join('\n'),
      )
    }
    if (tools.fdb) {
      mkdirSync(join(this.sysroot, 'include', 'foundationdb'), {recursive: true})
      writeFileSync(join(this.sysroot, 'include', 'foundationdb', 'fdb_c.h'), '/* DOUBLE: presence only */\n')
      writeFileSync(join(this.sysroot, 'lib', 'libfdb_c.so'), 'DOUBLE: presence only\n')
    }
    writeFileSync(
      this.sudoers,
      `${this.originalSudoers}\nDefaults secure_path="${this.bin}:${this.basics}:/usr/sbin:/sbin"\n`,
    )
  }

  /** Extra sudo environment for the nodes (sudoers env_file), e.g. PIP_INDEX_URL; undefined removes it. */
  env(variables: Record<string, string> | undefined, file: string): void {
    const base = readFileSync(this.sudoers, 'utf8').replace(/\nDefaults env_file=.*\n/g, '\n')
    if (!variables) {
      writeFileSync(this.sudoers, base)
      return
    }
    writeFileSync(
      file,
      Object.entries(variables)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(''),
    )
    writeFileSync(this.sudoers, `${base}\nDefaults env_file=${file}\n`)
  }

  restore(): void {
    writeFileSync(this.sudoers, this.originalSudoers)
  }
}
