/** Which I/O engines work on this machine for a directory, and which one `auto` picks there. */
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {UsageError} from '../errors.js'
import {engineCheck} from '../native/index.js'

export interface EngineProbe {
  engine: 'usrbio' | 'io_uring' | 'psync'
  works: boolean
  /** Why it cannot run here, when it cannot. */
  reason?: string
}

export interface EngineReport {
  dir: string
  engines: EngineProbe[]
  /** What `--engine auto` uses for this directory. */
  auto: string
  /** Why auto chose it: whether the directory is on 3FS (and the mount root), and what could not run. */
  autoReason: string
}

export async function probeEngines(options: {
  dir?: string
  mountPoint?: string
  usrbioLibrary?: string
  direct: boolean
}): Promise<EngineReport> {
  if (options.dir !== undefined) {
    // The native checks only say "cannot create <file>": a --dir that is not a directory is named here.
    const info = await stat(options.dir).catch(() => undefined)
    if (!info?.isDirectory())
      throw new UsageError(`--dir ${options.dir} is not an existing directory`, {
        next: 'Give a directory to test in (on the 3FS mount for usrbio).',
      })
  }
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), '3fs-cli-engines-')))
  try {
    const engines: EngineProbe[] = []
    // One at a time: each writes and reads back a small file in the same directory.
    for (const engine of ['usrbio', 'io_uring', 'psync'] as const) {
      try {
        await engineCheck({
          dir,
          engine,
          mountPoint: options.mountPoint,
          usrbioLibrary: options.usrbioLibrary,
          direct: options.direct,
        })
        engines.push({engine, works: true})
      } catch (error) {
        engines.push({engine, works: false, reason: (error as Error).message})
      }
    }
    const auto = await engineCheck({
      dir,
      engine: 'auto',
      mountPoint: options.mountPoint,
      usrbioLibrary: options.usrbioLibrary,
      direct: options.direct,
    }).catch((error: Error) => {
      throw new UsageError(`no engine can write in ${dir}: ${error.message}`, {
        next: 'Give --dir a directory you can write to.',
      })
    })
    return {dir, engines, auto: auto.engine, autoReason: auto.note}
  } finally {
    if (options.dir === undefined) await rm(dir, {recursive: true, force: true})
  }
}
