/** --out and --html, shared by every bench command that saves a result. */
import {Flags} from '@oclif/core'

export const resultFlags = {
  out: Flags.string({
    description:
      'Save the result as JSON to this file (default: a time-stamped file under $XDG_CACHE_HOME/3fs-cli/results, i.e. ~/.cache/3fs-cli/results).',
    helpGroup: 'RESULT',
  }),
  html: Flags.string({
    description: 'Also write a self-contained HTML report with charts to this file (see `bench report`).',
    helpGroup: 'RESULT',
  }),
}

export function savedNote(saved: {path: string; html?: string}): string {
  return `Result saved to ${saved.path}${saved.html ? `\nHTML report: ${saved.html}` : ''}`
}
