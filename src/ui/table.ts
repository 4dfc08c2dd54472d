/** Tables for people (cli-table3); machine output uses --json instead. */
import Table from 'cli-table3'

export function renderTable(head: string[], rows: Array<Array<string | number>>, colWidths?: number[]): string {
  const table = new Table({
    head,
    ...(colWidths ? {colWidths} : {}),
    style: {head: [], border: []},
    wordWrap: true,
    // No rule between body rows: one line per node stays readable with hundreds of nodes.
    chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''},
  })
  for (const row of rows) table.push(row.map(String))
  return table.toString()
}
