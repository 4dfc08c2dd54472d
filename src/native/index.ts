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

interface Addon {
  version(): NativeVersion
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

/** Path of the standalone worker executable built beside the addon. */
export function workerPath(): string {
  return nativeBuildPath('3fs-worker')
}

/** TEST DOUBLE of libhf3fs_api_shared.so built for tests only (native/src/testing/usrbio_double.cc). */
export function usrbioDoublePath(): string {
  return nativeBuildPath('hf3fs_api_shared_double.so')
}
