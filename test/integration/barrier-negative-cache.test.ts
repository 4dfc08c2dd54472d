/**
 * The sort's file barriers on a real FUSE mount that caches a missing name, as 3FS does for
 * negative_timeout (5 s by default: 3FS src/fuse/FuseOps.cc:303-308, src/fuse/FuseConfig.h:27): bindfs
 * with -o negative_timeout=60. Another node's file is written into the directory bindfs serves, not
 * through this mount, as a file written by another 3FS client appears. A barrier polling with stat()
 * would not see it until the cached entry expires; listing the directory sees it at once.
 */
import {spawn} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hf3fsMountAvailable, mountHf3fs, type Hf3fsMount} from '../helpers/usrbio-double.js'
import {workerPath} from '../../src/native/index.js'
import {execFileSync} from 'node:child_process'

const available = hf3fsMountAvailable()
// Longer than the barrier timeout below: a stat() poll could only pass by timing out.
const NEGATIVE_TIMEOUT_S = 60
const BARRIER_TIMEOUT_S = 20

async function until(check: () => boolean, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return check()
}

describe.skipIf(!available)('sort barriers on a FUSE mount that caches missing names (bindfs negative_timeout)', () => {
  let mount: Hf3fsMount
  const scratch = mkdtempSync(join(tmpdir(), '3fs-cli-barrier-'))

  beforeAll(() => {
    mount = mountHf3fs([`negative_timeout=${NEGATIVE_TIMEOUT_S}`])
    mkdirSync(join(mount.root, 'work'))
    execFileSync(workerPath(), ['gen', '--count', '2000', '--output', join(scratch, 'in.dat'), '--threads', '1'])
  })

  afterAll(() => {
    mount?.unmount()
    rmSync(scratch, {recursive: true, force: true})
  })

  it('the mount really hides a file another client wrote from stat() but not from readdir (the test bed is sound)', () => {
    const seen = join(mount.root, 'work', 'probe')
    expect(existsSync(seen)).toBe(false)
    copyFileSync(join(scratch, 'in.dat'), join(mount.source, 'work', 'probe'))
    expect(existsSync(seen)).toBe(false)
    expect(readdirSync(join(mount.root, 'work'))).toContain('probe')
  })

  it(
    "node 0 passes the sample barrier as soon as node 1's sample file appears, though a lookup of it is cached as missing",
    async () => {
      const work = join(mount.root, 'work')
      const child = spawn(
        workerPath(),
        [
          'sort-node',
          '--index',
          '0',
          '--nodes',
          '2',
          '--inputs',
          join(scratch, 'in.dat'),
          '--work',
          work,
          '--partitions',
          '2',
          '--output-dir',
          join(mount.root, 'out'),
          '--threads',
          '1',
          '--engine',
          'psync',
          '--memory',
          String(64 << 20),
          '--sample-per-file',
          '100',
          '--barrier-timeout',
          String(BARRIER_TIMEOUT_S),
        ],
        {stdio: ['ignore', 'pipe', 'pipe']},
      )
      let stdout = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      try {
        expect(await until(() => existsSync(join(mount.source, 'work', 'sample-0.keys')), BARRIER_TIMEOUT_S)).toBe(true)
        // The kernel now holds (or gets here) a negative entry for node 1's file, as the stat() poll did.
        expect(existsSync(join(work, 'sample-1.keys'))).toBe(false)
        // "Node 1" writes its sample through another client: straight into the served directory.
        copyFileSync(join(mount.source, 'work', 'sample-0.keys'), join(mount.source, 'work', 'sample-1.keys.tmp'))
        renameSync(join(mount.source, 'work', 'sample-1.keys.tmp'), join(mount.source, 'work', 'sample-1.keys'))
        expect(existsSync(join(work, 'sample-1.keys'))).toBe(false)
        const passed = await until(() => /"phase":"sample"/.test(stdout), BARRIER_TIMEOUT_S + 5)
        expect(passed, stdout).toBe(true)
        expect(stdout).not.toMatch(/gave up waiting/)
      } finally {
        // The worker now waits for node 1's map output, which never comes: stop it.
        child.kill('SIGKILL')
        await exited
      }
    },
    (BARRIER_TIMEOUT_S + 40) * 1000,
  )
})
