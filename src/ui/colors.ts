/** Colour only when a person is watching: stdout is a TTY and NO_COLOR is unset. */
const enabled = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb'

const wrap = (open: number, close: number) => (text: string) =>
  enabled ? `\u001B[${open}m${text}\u001B[${close}m` : text

export const color = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
}
