/**
 * Test harness for the stand-in programs (TEST DOUBLES of 3FS, FoundationDB and ClickHouse): builds the
 * binary once into a temp dir, runs programs as local processes on loopback addresses picked at random per
 * run, and ends only the processes it started (by pid).
 */
import {execFile, spawn, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parseCluster} from '../../../src/config/loader.js'
import {buildPlan} from '../../../src/deploy/plan.js'
import {allActions} from '../../../src/deploy/model.js'

export const STANDIN_SRC = fileURLToPath(new URL('.', import.meta.url))

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** A fresh 127.a.b.c address for this run (a >= 100: far from 127.0.0.1). */
export function randomLoopback(): string {
  const byte = (low: number) => low + Math.floor(Math.random() * (254 - low))
  return `127.${byte(100)}.${byte(1)}.${byte(2)}`
}

export class StandinLab {
  readonly dir: string
  readonly bin: string
  private readonly children: ChildProcess[] = []

  private constructor(dir: string) {
    this.dir = dir
    this.bin = join(dir, 'build', 'standin')
  }

  /** Builds with build.sh (g++ -static) into a new temp dir. */
  static async build(): Promise<StandinLab> {
    const lab = new StandinLab(mkdtempSync(join(tmpdir(), 'standin-test-')))
    await new Promise<void>((resolve, reject) => {
      execFile(
        'sh',
        [join(STANDIN_SRC, 'build.sh'), join(lab.dir, 'build')],
        {maxBuffer: 1 << 24},
        (error, _out, err) => (error ? reject(new Error(`build.sh failed: ${err}`)) : resolve()),
      )
    })
    return lab
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts)
  }

  write(path: string, content: string): string {
    mkdirSync(join(path, '..'), {recursive: true})
    writeFileSync(path, content)
    return path
  }

  read(path: string): string {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return ''
    }
  }

  /** Starts a long-running program (argv[0] = program) on node address `ip`. */
  start(
    program: string,
    args: string[],
    options: {ip: string; cwd?: string; env?: Record<string, string>; command?: string},
  ): ChildProcess {
    const cwd = options.cwd ?? this.dir
    mkdirSync(cwd, {recursive: true})
    const child = spawn(options.command ?? this.bin, args, {
      argv0: program,
      cwd,
      env: {...process.env, STANDIN_NODE_IP: options.ip, ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout!.on('data', (chunk) => (output += chunk))
    child.stderr!.on('data', (chunk) => (output += chunk))
    ;(child as ChildProcess & {output: () => string}).output = () => output
    this.children.push(child)
    return child
  }

  /** Runs a program to its end. */
  run(
    program: string,
    args: string[],
    options: {ip: string; input?: string; env?: Record<string, string>; cwd?: string},
  ): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(this.bin, args, {
        argv0: program,
        cwd: options.cwd ?? this.dir,
        env: {...process.env, STANDIN_NODE_IP: options.ip, ...options.env},
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('close', (code) => resolve({code, stdout, stderr}))
      child.stdin.on('error', () => undefined) // a program that does not read stdin may close it first
      child.stdin.end(options.input ?? '')
    })
  }

  /** Resolves with the exit code once `child` ends (or null after `timeoutMs`). */
  exited(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
    if (child.exitCode !== null) return Promise.resolve(child.exitCode)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs)
      child.on('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
  }

  stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      child.on('exit', () => resolve())
      process.kill(child.pid!, 'SIGTERM')
    })
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.children.map((child) => this.stop(child)))
  }

  async cleanup(): Promise<void> {
    await this.stopAll()
    rmSync(this.dir, {recursive: true, force: true})
  }
}

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  stepMs = 200,
): Promise<boolean> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await probe()) return true
    if (Date.now() > end) return false
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
}

/**
 * The files our deploy writes on `node` into `service`'s config dir (<workDir>/<service>/config.d, mounted
 * at /opt/3fs/etc), by file name, with the paths the 3FS image would see moved into the lab: the config
 * dir itself, the log dir (/var/log/3fs) and the storage data dirs.
 */
export function deployFiles(lab: StandinLab, yaml: string, node: string, service: string): Record<string, string> {
  const plan = buildPlan(parseCluster(yaml, 'cluster.yml'))
  const out: Record<string, string> = {}
  mkdirSync(lab.path(service, 'log'), {recursive: true})
  for (const action of allActions(plan)) {
    if (action.kind !== 'write-file' || action.node !== node || action.content === undefined) continue
    if (
      !action.path!.includes(`/${service}/config.d/`) &&
      !(action.service === service && action.path!.includes(`/${service}/`))
    )
      continue
    const name = action.path!.split('/').pop()!
    out[name] = action.content
      .replaceAll('/mnt/3fsdata', lab.path('3fsdata'))
      .replaceAll('/opt/3fs/etc', lab.path(service, 'etc'))
      .replaceAll('/var/log/3fs', lab.path(service, 'log'))
  }
  return out
}

/** A rendered 3FS config without some of its tables (what 3FS then runs on are its CODE defaults for them). */
export function withoutTables(toml: string, prefix: string): string {
  let dropping = false
  return toml
    .split('\n')
    .filter((line) => {
      const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line.trim())
      if (header) dropping = header[1] === prefix || header[1]!.startsWith(`${prefix}.`)
      return !dropping
    })
    .join('\n')
}

/** The stdin / command argument the plan gives one admin_cli action (by id suffix). */
export function planAction(yaml: string, idSuffix: string): {command?: string; stdin?: string} {
  const plan = buildPlan(parseCluster(yaml, 'cluster.yml'))
  const action = allActions(plan).find((entry) => entry.id.endsWith(idSuffix))
  if (!action) throw new Error(`no action ${idSuffix}`)
  return {command: action.command, stdin: action.stdin}
}
