/** Where `~` points. */
import {homedir} from 'node:os'

/**
 * The user's home: HOME when set, else the password database, which is what os.homedir() answers too, but
 * read through process.env: inside a worker thread (vitest's and Stryker's thread pools) process.env is that
 * thread's own copy, and os.homedir() would still see the process's.
 */
export function homeDirectory(): string {
  return process.env.HOME || homedir()
}
