/**
 * What every command shares: --json and --verbose, log wiring, Ctrl-C as an abort signal, and the one
 * place where errors become text and exit codes. Commands stay thin: parse, call a service, render.
 */
import {Command, Flags, Errors} from '@oclif/core'

import {ConfigError} from '../config/problems.js'
import {UserError} from '../errors.js'
import {ExitCode, EXIT_CODE_HELP} from '../exit-codes.js'
import {redact, setLogSink} from '../log.js'
import {RemoteError} from '../remote/errors.js'
import {color} from './colors.js'

/** Appends the exit-code table to a command description so that --help documents it. */
export function withExitCodes(description: string): string {
  return `${description}\n\nEXIT CODES\n${EXIT_CODE_HELP}`
}

const SIGNAL_EXIT_CODES = {SIGINT: ExitCode.Interrupted, SIGTERM: ExitCode.Terminated, SIGHUP: ExitCode.Hangup} as const

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print the result as one JSON object on stdout.', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({
      char: 'v',
      description: 'Log every command run on a node (debug level) to stderr.',
      helpGroup: 'GLOBAL',
    }),
  }

  protected jsonMode = false
  protected readonly abortController = new AbortController()
  /**
   * The one owner of SIGINT, SIGTERM and SIGHUP: the first aborts the command's signal, so remote work is
   * stopped and the command's own files are removed on the way out, then it exits 130 / 143 / 129.
   * A second signal exits at once.
   */
  private onSignal = (signal: NodeJS.Signals) => {
    const exitCode = SIGNAL_EXIT_CODES[signal as keyof typeof SIGNAL_EXIT_CODES] ?? ExitCode.Interrupted
    if (this.abortController.signal.aborted) {
      process.stderr.write(
        `${color.red('Error:')} interrupted again (${signal}): exiting now; remote work or files may remain.\n`,
      )
      process.exit(exitCode)
    }
    if (!this.jsonMode)
      process.stderr.write(
        `\n${color.yellow(`${signal}:`)} stopping remote work and cleaning up (${signal === 'SIGINT' ? 'Ctrl-C' : 'send it'} again to exit at once)\n`,
      )
    this.abortController.abort(
      new UserError(signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`, {
        exitCode,
        next: 'Run the command again when you are ready.',
      }),
    )
  }

  override async init(): Promise<void> {
    await super.init()
    this.jsonMode = this.argv.includes('--json')
    const verbose = this.argv.includes('--verbose') || this.argv.includes('-v')
    setLogSink((level, message) => process.stderr.write(`${color.dim(level)} ${message}\n`), verbose ? 'debug' : 'warn')
    for (const signal of Object.keys(SIGNAL_EXIT_CODES)) process.on(signal, this.onSignal)
  }

  override async finally(error: Error | undefined): Promise<void> {
    for (const signal of Object.keys(SIGNAL_EXIT_CODES)) process.removeListener(signal, this.onSignal)
    await super.finally(error)
    // A command that finished its work normally after a signal (exec reports its cancelled nodes) still
    // leaves with the signal's code.
    if (error === undefined && this.abortController.signal.aborted) await this.catch(this.interruption())
  }

  private interruption(): UserError {
    const reason: unknown = this.abortController.signal.reason
    return reason instanceof UserError ? reason : new UserError('interrupted', {exitCode: ExitCode.Interrupted})
  }

  protected get signal(): AbortSignal {
    return this.abortController.signal
  }

  /** Prints JSON in --json mode, else the human rendering. */
  protected emit(data: unknown, human: () => string): void {
    if (this.jsonMode) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`)
    else {
      const text = human()
      if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
    }
  }

  /**
   * A failure that comes with a report of what was done (a deploy stopped by a check or an action, a
   * restart stopped at a node): with --json one object {error, report} on stdout and the error's exit
   * code; otherwise the report on stderr, then the error and its next steps as every error is shown.
   */
  protected failWithReport(error: UserError, report: unknown, human: () => string): never {
    if (this.jsonMode) {
      process.stdout.write(
        `${JSON.stringify({error: {message: error.message, next: error.next, exitCode: error.exitCode}, report}, null, 2)}\n`,
      )
      this.exit(error.exitCode)
    }
    process.stderr.write(`${human()}\n\n`)
    throw error
  }

  protected note(text: string): void {
    if (!this.jsonMode) process.stderr.write(`${text}\n`)
  }

  /** A run directory a benchmark could not remove (a node lost): said on stderr, with --json too. */
  protected leftoverNote(command: string | undefined): void {
    if (command)
      process.stderr.write(`${color.yellow('Files of this run are left on the nodes.')} Remove them with: ${command}\n`)
  }

  override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    if (this.abortController.signal.aborted) {
      const interruption = this.interruption()
      // The command already printed its (partial) result and chose an exit code: the signal's code wins.
      if (error instanceof Errors.ExitError) {
        if (!this.jsonMode) process.stderr.write(`${color.red('Error:')} ${interruption.message}\n`)
        this.exit(interruption.exitCode)
      }
      error = interruption
    }
    if (error instanceof Errors.ExitError) throw error
    if (error instanceof UserError) {
      if (this.jsonMode) {
        const body: Record<string, unknown> = {
          message: redact(error.message),
          next: error.next,
          exitCode: error.exitCode,
        }
        if (error instanceof ConfigError) body.problems = error.problems
        if (error instanceof RemoteError) Object.assign(body, {node: error.node, kind: error.kind})
        process.stdout.write(`${JSON.stringify({error: body}, null, 2)}\n`)
      } else {
        process.stderr.write(`${color.red('Error:')} ${redact(error.message)}\n`)
        for (const step of error.next) process.stderr.write(`  ${color.dim('->')} ${redact(step)}\n`)
      }
      this.exit(error.exitCode)
    }
    // oclif's own parse errors (unknown flag, missing argument) are usage errors: exit 2.
    if (error instanceof Errors.CLIError && error.oclif?.exit === ExitCode.Usage) {
      if (this.jsonMode)
        process.stdout.write(
          `${JSON.stringify({error: {message: error.message, exitCode: ExitCode.Usage}}, null, 2)}\n`,
        )
      else
        process.stderr.write(
          `${color.red('Error:')} ${error.message}\n  ${color.dim('->')} See \`3fs-cli ${this.id?.replace(/:/g, ' ') ?? ''} --help\`.\n`,
        )
      this.exit(ExitCode.Usage)
    }
    process.stderr.write(
      `${color.red('Bug in 3fs-cli:')} ${redact(error.stack ?? error.message)}\n  -> Please report it with the command you ran.\n`,
    )
    this.exit(ExitCode.Failure)
  }
}
