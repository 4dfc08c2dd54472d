/**
 * The protocol between the shell probes we run on nodes (status, deploy's preflight) and their parsers.
 *
 * A probe prints sections, each headed by a marker line (`S name`), so one SSH round trip per node collects
 * everything and each section can be kept raw for --capture. Inside a section, values are fields `KEY=<base64>`
 * separated by spaces, one record per line. Base64 is there so a value may hold any byte a shell can carry (a
 * multi-line engine error, quotes, `=` or spaces in a path): the old `KEY="v"` lines broke on the first newline
 * or quote, which turned a multi-line engine error into `does not answer: VERSION="` in status.
 *
 * The decoder also reads the quoted form `KEY="v"` that findmnt -P and lsblk -P print (\xNN escapes), and that
 * captures written by earlier versions of this CLI hold, so the one decoder serves both.
 */

const MARKER = '@@3fs-cli-section '

/**
 * Shell functions every probe script starts with:
 * - `S name` starts a section (parsed by splitSections);
 * - `V KEY value` prints the field KEY with the bytes of value (a shell string, so no NUL; `$(...)` has dropped
 *   trailing newlines already);
 * - `C KEY command...` prints the field KEY with the exact bytes the command writes to stdout and stderr.
 * Fields end with a space; a record ends with `echo`. base64 wraps lines, tr joins them (POSIX, no -w0).
 */
export const PROBE_FUNCTIONS = [
  `S() { printf '\\n${MARKER}%s\\n' "$1"; }`,
  `V() { printf '%s=' "$1"; printf '%s' "$2" | base64 | tr -d '\\n'; printf ' '; }`,
  `C() { k=$1; shift; printf '%s=' "$k"; "$@" 2>&1 | base64 | tr -d '\\n'; printf ' '; }`,
].join('\n')

/** Splits probe output into its sections; text before the first marker is dropped (login banners). */
export function splitSections(output: string): Record<string, string> {
  const sections: Record<string, string> = {}
  let current: string | undefined
  let buffer: string[] = []
  const flush = () => {
    if (current !== undefined) sections[current] = buffer.join('\n').replace(/\n+$/, '') + '\n'
  }
  for (const line of output.split('\n')) {
    if (line.startsWith(MARKER)) {
      flush()
      current = line.slice(MARKER.length).trim()
      buffer = []
    } else if (current !== undefined) buffer.push(line)
  }
  flush()
  return sections
}

/** The marker line `S name` prints, for tests and captures that build probe output by hand. */
export function sectionMarker(name: string): string {
  return `\n${MARKER}${name}\n`
}

/** One field in the encoded form: what `V KEY value` prints for a value without NUL. */
export function encodeField(key: string, value: string | Uint8Array): string {
  return `${key}=${Buffer.from(value).toString('base64')}`
}

/** One record line, as a probe prints it. */
export function encodeRecord(fields: Record<string, string | Uint8Array>): string {
  return Object.entries(fields)
    .map(([key, value]) => encodeField(key, value))
    .join(' ')
}

const FIELD = /([A-Z_][A-Z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9+/]*={0,2})(?=\s|$))/g

/** The fields of one record line, values decoded to text (UTF-8). */
export function decodeRecord(line: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(decodeRecordBytes(line)).map(([key, value]) => [key, value.toString('utf8')]),
  )
}

/** The fields of one record line, values as the bytes the probe read. */
export function decodeRecordBytes(line: string): Record<string, Buffer> {
  const result: Record<string, Buffer> = {}
  for (const match of line.matchAll(FIELD)) {
    const [, key, quoted, encoded] = match
    result[key!] =
      quoted === undefined ? Buffer.from(encoded ?? '', 'base64') : Buffer.from(unescapeQuoted(quoted), 'utf8')
  }
  return result
}

/** The records (non-empty lines) of a section. */
export function decodeSection(text: string): Array<Record<string, string>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(decodeRecord)
}

/** findmnt/lsblk -P escape spaces and other bytes as \xNN; a backslash before anything else keeps that character. */
function unescapeQuoted(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_, hex: string | undefined, char: string | undefined) =>
    hex === undefined ? char! : String.fromCharCode(Number.parseInt(hex, 16)),
  )
}
