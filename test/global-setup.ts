/**
 * Every test run gets its own temporary directory (TMPDIR for the test processes and everything they
 * start), removed when the run ends: no test leaves files in /tmp, even one that forgets its own cleanup
 * or is interrupted half way.
 */
import {chmodSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), '3fs-cli-test-'))
  // Like /tmp itself: the test hosts' users (sshd, sudo) reach files the harness puts under it.
  chmodSync(dir, 0o1777)
  process.env.TMPDIR = dir
  return () => rmSync(dir, {recursive: true, force: true})
}
