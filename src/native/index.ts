/**
 * The only place that loads the native addon. Everything else imports these typed functions.
 * A missing build is reported with the command that fixes it.
 */
import {createRequire} from 'node:module'

import {UserError} from '../errors.js'
import {nativeBuildPath} from '../paths.js'

export interface NativeVersion {
  /** Version of the C++ core shared by the addon and the worker. */
  core: string
  /** Compiler that built it. */
  build: string
}

export interface EngineCheckOptions {
  dir: string
  engine?: 'auto' | 'usrbio' | 'io_uring' | 'psync'
  /** 3FS mount root for usrbio; default: the root of the fuse.hf3fs mount holding dir. */
  mountPoint?: string
  usrbioLibrary?: string
  blockSize?: number
  blocks?: number
  depth?: number
  direct?: boolean
}

export interface EngineCheckResult {
  engine: string
  blocks: number
  /** Why auto chose this engine (the 3FS mount found or not, and why a preferred engine could not run). */
  note: string
}

interface Addon {
  version(): NativeVersion
  engineCheck(options: EngineCheckOptions): Promise<EngineCheckResult>
}

let addon: Addon | undefined

function load(): Addon {
  if (addon) return addon
  const require = createRequire(import.meta.url)
  try {
    addon = require(nativeBuildPath('threefs_native.node')) as Addon
  } catch (error) {
    throw new UserError(`the native part of 3fs-cli is not built (${(error as Error).message.split('\n')[0]})`, {
      next: 'Run `npm rebuild 3fs-cli` (or `npm ci` in a checkout); it needs python3, make and g++.',
      cause: error,
    })
  }
  return addon
}

export function nativeVersion(): NativeVersion {
  return load().version()
}

/**
 * Writes a known pattern through an I/O engine and reads it back through a fresh one, off the main
 * thread; resolves with the engine that ran, rejects with the reason an engine cannot run here.
 */
export function engineCheck(options: EngineCheckOptions): Promise<EngineCheckResult> {
  return load().engineCheck(options)
}

/** Path of the standalone worker executable built beside the addon. */
export function workerPath(): string {
  return nativeBuildPath('3fs-worker')
}
