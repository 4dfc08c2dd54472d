/**
 * Typed errors. A UserError is something the user can fix: it carries the next step to take and the
 * exit code to leave with. A BugError is a defect in 3fs-cli itself and is reported as such.
 * Services throw these; only the UI layer turns them into text and exit codes.
 */
import {ExitCode} from './exit-codes.js'

export interface UserErrorOptions {
  /** What the user should do next, shown under the message. */
  next?: string | string[]
  exitCode?: ExitCode
  cause?: unknown
}

export class UserError extends Error {
  readonly next: string[]
  readonly exitCode: ExitCode

  constructor(message: string, options: UserErrorOptions = {}) {
    super(message, {cause: options.cause})
    this.name = 'UserError'
    this.next = options.next === undefined ? [] : Array.isArray(options.next) ? options.next : [options.next]
    this.exitCode = options.exitCode ?? ExitCode.Failure
  }
}

/** A problem in the user's input (flags or cluster.yml): exit code 2, nothing was changed anywhere. */
export class UsageError extends UserError {
  constructor(message: string, options: Omit<UserErrorOptions, 'exitCode'> = {}) {
    super(message, {...options, exitCode: ExitCode.Usage})
    this.name = 'UsageError'
  }
}

/** An unexpected state that means 3fs-cli itself is wrong. */
export class BugError extends Error {
  constructor(message: string, options: {cause?: unknown} = {}) {
    super(message, options)
    this.name = 'BugError'
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
