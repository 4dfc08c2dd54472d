import {Args, Flags} from '@oclif/core'

import {writeHtmlReport} from '../../bench/results/record.js'
import {loadResult} from '../../bench/results/store.js'
import {BaseCommand, withExitCodes} from '../../ui/base-command.js'

export default class BenchReport extends BaseCommand {
  static override summary = 'Draw saved bench results as one self-contained HTML page with charts.'
  static override description = withExitCodes(
    "Reads results saved by the bench commands (see --out) and writes one HTML file that needs nothing from the network: inline SVG charts of throughput per second per node and in aggregate, the latency histogram with p50, p99 and p99.9 marked, GraySort's phases per node on one time axis, and a table of every figure. Several results are drawn side by side, in the order given.",
  )

  static override examples = ['<%= config.bin %> bench report base.json new.json --html report.html']
  static override strict = false
  static override args = {results: Args.string({description: 'Result files (JSON), one or more.', required: true})}

  static override flags = {
    html: Flags.string({description: 'The HTML file to write.', required: true}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(BenchReport)
    const results = await Promise.all((argv as string[]).map((path) => loadResult(path)))
    const path = await writeHtmlReport(results, flags.html)
    this.emit(
      {html: path, results: results.map((result) => result.title)},
      () => `HTML report of ${results.length} result${results.length === 1 ? '' : 's'}: ${path}`,
    )
  }
}
