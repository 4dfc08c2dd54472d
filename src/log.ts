/**
 * A tiny leveled logger. Services log through it but never decide where text goes: the UI layer
 * installs a sink (stderr, a file) at start-up. Default: nothing is written.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const ORDER: Record<LogLevel, number> = {debug: 10, info: 20, warn: 30, error: 40}

export type LogSink = (level: LogLevel, message: string) => void

let sink: LogSink | undefined
let threshold = ORDER.warn
const redactions = new Set<string>()

export function setLogSink(next: LogSink | undefined, level: LogLevel = 'warn'): void {
  sink = next
  threshold = ORDER[level]
}

/** Registers a secret (password, token) so that it is masked in every log line from now on. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 3) redactions.add(secret)
}

export function redact(text: string): string {
  let out = text
  for (const secret of redactions) out = out.split(secret).join('***')
  return out
}

function write(level: LogLevel, message: string): void {
  if (!sink || ORDER[level] < threshold) return
  sink(level, redact(message))
}

export const log = {
  debug: (message: string) => write('debug', message),
  info: (message: string) => write('info', message),
  warn: (message: string) => write('warn', message),
  error: (message: string) => write('error', message),
}
