/** Durations given on the command line: 500ms, 30s, 5m, 1h, or plain seconds. */
import {UsageError} from '../errors.js'
import {durationMs, GO_DURATION, MAX_DURATION_MS} from '../config/schema.js'

export function parseDuration(text: string, flag: string): number {
  let ms: number
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000
  else if (!GO_DURATION.test(text))
    throw new UsageError(`${flag} ${text} is not a duration`, {next: 'Use a value such as 500ms, 30s, 5m or 1h.'})
  else ms = durationMs(text)
  // Node's timers fire at once for 2^31 ms or more.
  if (!(ms <= MAX_DURATION_MS))
    throw new UsageError(`${flag} ${text} is longer than 596h (24.8 days), the longest 3fs-cli can wait`, {
      next: `Give ${flag} 596h or less.`,
    })
  return ms
}
