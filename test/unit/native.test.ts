import {execFileSync} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {nativeVersion, workerPath} from '../../src/native/index.js'

describe('native part', () => {
  it('loads the addon and reports the core version and compiler', () => {
    const version = nativeVersion()
    expect(version.core).toMatch(/^\d+\.\d+\.\d+$/)
    expect(version.build).toMatch(/^c\+\+17 (gcc|clang)/)
  })

  it('builds a standalone worker on the same core that speaks JSON lines', () => {
    const line = execFileSync(workerPath(), ['version'], {encoding: 'utf8'}).trim()
    expect(JSON.parse(line)).toEqual({type: 'version', core: nativeVersion().core})
  })
})
