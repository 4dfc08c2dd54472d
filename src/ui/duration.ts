/** Durations given on the command line: 500ms, 30s, 5m, 1h, or plain seconds. */
import {UsageError} from '../errors.js'
import {durationMs, GO_DURATION} from '../config/schema.js'

export function parseDuration(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  if (!GO_DURATION.test(text)) throw new UsageError(`${flag} ${text} is not a duration`, {next: 'Use a value such as 500ms, 30s, 5m or 1h.'})
  return durationMs(text)
}
