/**
 * Test-only usrbio setup: builds the TEST DOUBLE of libhf3fs_api_shared.so (test/native/usrbio_double.cc)
 * with g++ into the temp directory (never part of `npm ci` or the package), and mounts a real FUSE
 * filesystem of type fuse.hf3fs (bindfs -o subtype=hf3fs) for the double to treat as a 3FS mount.
 * Under CI (CI=true) a machine that cannot mount fails the tests instead of skipping them.
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ROOT} from './cli.js'

const NATIVE = join(ROOT, 'test', 'native')
const HEADER = join(ROOT, 'native', 'src', 'core', 'usrbio_abi.h')
const built = new Map<string, string>()

/** Builds test/native/<name>.cc with g++ into the temp directory, again only when its source changes. */
function buildTestNative(name: string, shared: boolean): string {
  const cached = built.get(name)
  if (cached) return cached
  const source = join(NATIVE, `${name}.cc`)
  const hash = createHash('sha256').update(readFileSync(source)).update(readFileSync(HEADER)).digest('hex').slice(0, 16)
  const dir = join(tmpdir(), '3fs-cli-test-native')
  mkdirSync(dir, {recursive: true})
  const path = join(dir, `${name}-${hash}${shared ? '.so' : ''}`)
  if (!existsSync(path)) {
    const temp = `${path}.${process.pid}.tmp`
    const flags = shared ? ['-shared', '-fPIC'] : []
    execFileSync(
      'g++',
      [
        '-std=c++17',
        '-O2',
        '-g',
        '-Wall',
        ...flags,
        '-I',
        join(ROOT, 'native', 'src'),
        '-o',
        temp,
        source,
        '-ldl',
        '-lpthread',
        '-lrt',
      ],
      {stdio: 'pipe'},
    )
    renameSync(temp, path)
  }
  built.set(name, path)
  return path
}

/** The TEST DOUBLE of libhf3fs_api_shared.so. */
export function usrbioDouble(): string {
  return buildTestNative('usrbio_double', true)
}

/** The contract probe (test/native/usrbio_contract.cc): run it with LIBRARY MOUNT_ROOT NON_3FS_DIR. */
export function usrbioContractProbe(): string {
  return buildTestNative('usrbio_contract', false)
}

export function hf3fsMountUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'a fuse.hf3fs test mount needs root'
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing'
  if (!existsSync('/usr/bin/bindfs')) return 'bindfs is not installed (apt-get install bindfs fuse3)'
  if (!existsSync('/usr/bin/fusermount3') && !existsSync('/bin/fusermount3'))
    return 'fuse3 is not installed (apt-get install bindfs fuse3)'
  return undefined
}

/** Throws under CI when no fuse.hf3fs mount can be made; true when the tests may run here. */
export function hf3fsMountAvailable(): boolean {
  const reason = hf3fsMountUnavailableReason()
  if (reason && process.env.CI) throw new Error(`CI cannot run the usrbio FUSE tests: ${reason}`)
  return reason === undefined
}

export interface Hf3fsMount {
  /** Mount root (what 3FS mounts at /3fs). */
  root: string
  /** The directory bindfs serves: what "another node" writes through without the mount. */
  source: string
  unmount(): void
}

/** A real FUSE mount whose /proc/self/mountinfo fstype is fuse.hf3fs. */
export function mountHf3fs(extraOptions: string[] = []): Hf3fsMount {
  const base = mkdtempSync(join(tmpdir(), '3fs-cli-hf3fs-'))
  const source = join(base, 'src')
  const root = join(base, 'mnt')
  mkdirSync(source)
  mkdirSync(root)
  execFileSync('bindfs', ['-o', ['fsname=hf3fs', 'subtype=hf3fs', ...extraOptions].join(','), source, root], {
    stdio: 'pipe',
  })
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((entry) => entry.split(' ')[4] === root)
  if (!line?.includes(' - fuse.hf3fs ')) throw new Error(`bindfs mounted ${root} without fstype fuse.hf3fs: ${line}`)
  let mounted = true
  return {
    root,
    source,
    unmount() {
      if (!mounted) return
      mounted = false
      try {
        execFileSync('fusermount3', ['-u', root], {stdio: 'pipe'})
      } catch {
        execFileSync('umount', ['-l', root], {stdio: 'pipe'})
      }
      rmSync(base, {recursive: true, force: true})
    },
  }
}
