/**
 * oclif.manifest.json and the README's command reference are generated from the commands and
 * committed; this regenerates both in a scratch copy and fails when the committed ones are stale.
 */
import {execFileSync} from 'node:child_process'
import {copyFileSync, cpSync, mkdtempSync, readFileSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

describe('generated files', () => {
  it('oclif.manifest.json and the README command reference match the commands (run `npm run manifest`)', () => {
    const scratch = mkdtempSync(join(tmpdir(), '3fs-cli-manifest-'))
    for (const file of ['package.json', 'README.md']) copyFileSync(join(ROOT, file), join(scratch, file))
    // dist is copied, not linked: the manifest records command paths relative to the real location.
    cpSync(join(ROOT, 'dist'), join(scratch, 'dist'), {recursive: true})
    for (const dir of ['node_modules', 'bin']) symlinkSync(join(ROOT, dir), join(scratch, dir))
    const oclif = join(ROOT, 'node_modules', '.bin', 'oclif')
    const env = {...process.env, OCLIF_SKIP_UPDATE_CHECK: '1', NODE_NO_WARNINGS: '1'}
    execFileSync(oclif, ['manifest'], {cwd: scratch, env, stdio: 'ignore'})
    execFileSync(oclif, ['readme', '--no-aliases'], {cwd: scratch, env, stdio: 'ignore'})
    expect(JSON.parse(readFileSync(join(scratch, 'oclif.manifest.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')),
    )
    expect(readFileSync(join(scratch, 'README.md'), 'utf8')).toBe(readFileSync(join(ROOT, 'README.md'), 'utf8'))
  }, 60_000)
})
