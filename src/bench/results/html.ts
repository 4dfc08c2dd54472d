/**
 * One self-contained HTML page for one or more results: inline SVG drawn here, inline CSS, no script and
 * nothing fetched at view time. Results are laid side by side, each with its own charts (throughput per
 * second per node and aggregate, latency histogram with p50/p99/p99.9, graysort phases per node on one
 * time axis), above one table of every figure of every result.
 */
import {bucketValueNs} from '../throughput/latency.js'
import type {BenchResult, Figure} from './model.js'

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
]
const W = 560
const H = 260
const M = {left: 60, right: 16, top: 16, bottom: 40}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function number(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return value.toFixed(value === Math.round(value) ? 0 : 3)
}

/** Round axis steps: 1, 2, 5 x 10^n. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0]
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? raw
  const out: number[] = []
  for (let v = 0; ; v += step) {
    out.push(v)
    if (v >= max * 0.9999) break
  }
  return out
}

function frame(
  title: string,
  body: string,
  xLabel: string,
  yLabel: string,
  legend: Array<[string, string]> = [],
): string {
  const legendSvg = legend
    .map(
      ([name, color], index) =>
        `<g transform="translate(${M.left + 8 + (index % 4) * 125},${M.top + 4 + Math.floor(index / 4) * 14})"><rect width="10" height="10" fill="${color}"/><text x="14" y="9" font-size="10">${escapeHtml(name.slice(0, 18))}</text></g>`,
    )
    .join('')
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>${body}
<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${escapeHtml(xLabel)}</text>
<text transform="translate(12,${(M.top + H - M.bottom) / 2}) rotate(-90)" font-size="11" text-anchor="middle">${escapeHtml(yLabel)}</text>${legendSvg}</svg></figure>`
}

function axes(xTicks: Array<[number, string]>, yTicks: Array<[number, string]>): string {
  const x0 = M.left
  const y0 = H - M.bottom
  let out = `<line x1="${x0}" y1="${y0}" x2="${W - M.right}" y2="${y0}" stroke="#333"/><line x1="${x0}" y1="${M.top}" x2="${x0}" y2="${y0}" stroke="#333"/>`
  for (const [x, label] of xTicks)
    out += `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}" stroke="#333"/><text x="${x}" y="${y0 + 15}" font-size="10" text-anchor="middle">${escapeHtml(label)}</text>`
  for (const [y, label] of yTicks)
    out += `<line x1="${x0 - 4}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#eee"/><text x="${x0 - 6}" y="${y + 3}" font-size="10" text-anchor="end">${escapeHtml(label)}</text>`
  return out
}

/** MiB/s per second since the first node started, per node, and their sum (aggregate). */
export function throughputChart(result: BenchResult): string {
  if (result.series.length === 0) return ''
  const start = Math.min(...result.series.map((series) => series.startEpochMs))
  const lines = result.series.map((series) => {
    const offset = Math.round((series.startEpochMs - start) / 1000)
    return {
      name: series.node,
      points: series.bytesPerSecond.map((bytes, second) => [offset + second + 1, bytes / 2 ** 20] as [number, number]),
    }
  })
  if (lines.length > 1) {
    const sums = new Map<number, number>()
    for (const line of lines) for (const [x, y] of line.points) sums.set(x, (sums.get(x) ?? 0) + y)
    lines.push({name: 'aggregate', points: [...sums.entries()].sort((a, b) => a[0] - b[0])})
  }
  const maxX = Math.max(1, ...lines.flatMap((line) => line.points.map((point) => point[0])))
  const maxY = Math.max(1, ...lines.flatMap((line) => line.points.map((point) => point[1])))
  const yt = ticks(maxY)
  const top = yt.at(-1)! || 1
  const sx = (x: number) => M.left + (x / maxX) * (W - M.left - M.right)
  const sy = (y: number) => H - M.bottom - (y / top) * (H - M.top - M.bottom)
  const body = lines
    .map((line, index) => {
      const color = line.name === 'aggregate' ? '#000' : COLORS[index % COLORS.length]!
      const path = line.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')
      const dots =
        line.points.length <= 60
          ? line.points
              .map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"/>`)
              .join('')
          : ''
      return `<polyline fill="none" stroke="${color}" stroke-width="${line.name === 'aggregate' ? 2.5 : 1.5}" points="${path}"/>${dots}`
    })
    .join('')
  const xt = ticks(maxX, Math.min(maxX, 8)).map((x) => [sx(x), number(x)] as [number, string])
  const legend = lines.map(
    (line, index) =>
      [line.name, line.name === 'aggregate' ? '#000' : COLORS[index % COLORS.length]!] as [string, string],
  )
  return frame(
    'Throughput per second',
    axes(
      xt,
      yt.map((y) => [sy(y), number(y)]),
    ) + body,
    'second of the run',
    'MiB/s',
    legend,
  )
}

/** I/O count per latency bucket on a log time axis, with p50, p99 and p99.9 marked. */
export function latencyChart(result: BenchResult): string {
  if (result.latencyHistogram.length === 0) return ''
  const points = result.latencyHistogram.map(
    ([bucket, count]) => [Math.max(0.001, bucketValueNs(bucket) / 1000), count] as [number, number],
  )
  const minX = Math.min(...points.map((point) => point[0]))
  const maxX = Math.max(...points.map((point) => point[0]))
  const lo = Math.floor(Math.log10(minX))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(maxX * 1.05)))
  const maxY = Math.max(...points.map((point) => point[1]))
  const yt = ticks(maxY)
  const top = yt.at(-1)! || 1
  const sx = (us: number) => M.left + ((Math.log10(us) - lo) / (hi - lo)) * (W - M.left - M.right)
  const sy = (y: number) => H - M.bottom - (y / top) * (H - M.top - M.bottom)
  const barWidth = Math.max(1.5, (W - M.left - M.right) / ((hi - lo) * 32 * 0.35))
  let body = points
    .map(
      ([x, y]) =>
        `<rect x="${(sx(x) - barWidth / 2).toFixed(1)}" y="${sy(y).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(H - M.bottom - sy(y)).toFixed(1)}" fill="#1f77b4"/>`,
    )
    .join('')
  const marks: Array<[string, string, string]> = [
    ['aggregate.latency.p50', 'p50', '#2ca02c'],
    ['aggregate.latency.p99', 'p99', '#ff7f0e'],
    ['aggregate.latency.p999', 'p99.9', '#d62728'],
  ]
  marks.forEach(([key, label, color], index) => {
    const value = result.figures.find((figure) => figure.key === key)?.value
    if (value === undefined || !(value > 0)) return
    const x = sx(value)
    body += `<line x1="${x.toFixed(1)}" y1="${M.top}" x2="${x.toFixed(1)}" y2="${H - M.bottom}" stroke="${color}" stroke-width="1.5" stroke-dasharray="4 3"/><text x="${(x + 3).toFixed(1)}" y="${M.top + 10 + index * 12}" font-size="10" fill="${color}">${label} ${number(value)} us</text>`
  })
  const xt: Array<[number, string]> = []
  for (let power = lo; power <= hi; power++) xt.push([sx(10 ** power), number(10 ** power)])
  return frame(
    'Latency histogram',
    axes(
      xt,
      yt.map((y) => [sy(y), number(y)]),
    ) + body,
    'latency (us, log scale)',
    'I/Os',
  )
}

/** Parts have fixed colours of their own, lighter than the phases', so a part never looks like a phase. */
const PART_COLORS: Record<string, string> = {
  'read wait': '#9ecae1',
  partition: '#fdae6b',
  sort: '#fdae6b',
  'page wait': '#bcbddc',
  'write wait': '#a1d99b',
}

/**
 * Every node's phases as bars on one time axis (seconds since the first phase began). Under a phase the
 * worker measured, a thin stacked bar shows where its time went (read wait, partition or sort, write
 * wait): the I/O overlaps the work, so the parts add up to the time of the thread that did the work.
 */
export function phaseChart(result: BenchResult): string {
  if (result.phases.length === 0) return ''
  const start = Math.min(...result.phases.map((span) => span.startEpochMs))
  const end = Math.max(...result.phases.map((span) => span.endEpochMs))
  const total = Math.max(0.001, (end - start) / 1000)
  const nodes = [...new Set(result.phases.map((span) => span.node))]
  const phases = [...new Set(result.phases.map((span) => span.phase))]
  const partNames = [...new Set(result.phases.flatMap((span) => (span.parts ?? []).map((part) => part.name)))]
  const legend: Array<[string, string]> = [
    ...phases.map((phase, index): [string, string] => [phase, COLORS[index % COLORS.length]!]),
    ...partNames.map((name): [string, string] => [name, PART_COLORS[name] ?? '#d9d9d9']),
  ]
  const top = M.top + 6 + Math.ceil(legend.length / 4) * 14
  const rowHeight = Math.min(28, (H - top - M.bottom) / nodes.length)
  const sx = (seconds: number) => M.left + (seconds / total) * (W - M.left - M.right)
  let body = ''
  nodes.forEach((node, row) => {
    const y = top + row * rowHeight
    body += `<text x="${M.left - 6}" y="${(y + rowHeight / 2 + 3).toFixed(1)}" font-size="10" text-anchor="end">${escapeHtml(node.slice(0, 10))}</text>`
    for (const span of result.phases.filter((entry) => entry.node === node)) {
      const x = sx((span.startEpochMs - start) / 1000)
      const width = Math.max(1, sx((span.endEpochMs - start) / 1000) - x)
      const color = COLORS[phases.indexOf(span.phase) % COLORS.length]!
      const parts = span.parts ?? []
      // With parts, the phase takes the upper part of the row and its parts a strip below it.
      const barHeight = parts.length > 0 ? (rowHeight - 4) * 0.6 : rowHeight - 4
      body += `<rect x="${x.toFixed(1)}" y="${(y + 2).toFixed(1)}" width="${width.toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${color}"><title>${escapeHtml(`${node} ${span.phase}: ${((span.endEpochMs - span.startEpochMs) / 1000).toFixed(3)} s`)}</title></rect>`
      let at = x
      for (const part of parts) {
        const partWidth = Math.max(0.5, sx(part.seconds) - M.left)
        body += `<rect class="phase-part" x="${at.toFixed(1)}" y="${(y + 3 + barHeight).toFixed(1)}" width="${partWidth.toFixed(1)}" height="${(rowHeight - 5 - barHeight).toFixed(1)}" fill="${PART_COLORS[part.name] ?? '#d9d9d9'}"><title>${escapeHtml(`${node} ${span.phase} ${part.name}: ${part.seconds.toFixed(3)} s`)}</title></rect>`
        at += partWidth
      }
    }
  })
  const xt = ticks(total, 6).map((x) => [sx(x), number(x)] as [number, string])
  return frame('Phases per node', axes(xt, []) + body, 'seconds since the first phase began', 'node', legend)
}

function figureCell(figure: Figure | undefined): string {
  return figure ? `${number(figure.value)} <span class="unit">${escapeHtml(figure.unit)}</span>` : '—'
}

/** Rows: every figure key of any result, aggregate first then per node; columns: the results. */
export function figureTable(results: BenchResult[]): string {
  const rows = new Map<string, string>()
  for (const result of results) {
    for (const figure of result.figures) if (!rows.has(figure.key)) rows.set(figure.key, figure.label)
    for (const node of result.nodes)
      for (const figure of node.figures)
        if (!rows.has(figure.key)) rows.set(figure.key, `${node.node}: ${figure.label}`)
  }
  const find = (result: BenchResult, key: string) =>
    result.figures.find((figure) => figure.key === key) ??
    result.nodes.flatMap((node) => node.figures).find((figure) => figure.key === key)
  const head = `<tr><th>figure</th>${results.map((result, index) => `<th>#${index + 1} ${escapeHtml(result.title)}</th>`).join('')}</tr>`
  const body = [...rows.entries()]
    .map(
      ([key, label]) =>
        `<tr><td title="${escapeHtml(key)}">${escapeHtml(label)}</td>${results.map((result) => `<td class="num">${figureCell(find(result, key))}</td>`).join('')}</tr>`,
    )
    .join('\n')
  return `<table class="figures">${head}\n${body}</table>`
}

function environmentTable(result: BenchResult): string {
  const env = result.environment
  const rows = env.hosts
    .map(
      (host) =>
        `<tr><td>${escapeHtml(host.node)}</td><td>${escapeHtml(host.kernel ?? '')}</td><td>${escapeHtml(host.cpu ?? '')}</td><td class="num">${host.cores ?? ''}</td><td class="num">${host.memoryBytes ? (host.memoryBytes / 2 ** 30).toFixed(1) + ' GiB' : ''}</td><td>${escapeHtml(host.mount ? `${host.mount.target} (${host.mount.fstype})` : '')}</td></tr>`,
    )
    .join('')
  return `<table class="env"><tr><th>node</th><th>kernel</th><th>CPU</th><th>cores</th><th>memory</th><th>mount</th></tr>${rows}</table>
<p class="meta">3fs-cli ${escapeHtml(env.cliVersion)}, Node.js ${escapeHtml(env.nodeVersion)}${env.threeFs ? `, 3FS at ${escapeHtml(env.threeFs.mount)}${env.threeFs.version ? ` (${escapeHtml(env.threeFs.version)})` : ''}` : ''}</p>`
}

function section(result: BenchResult, index: number): string {
  const verdict = result.verdict
    ? ` <span class="${result.verdict === 'PASS' ? 'pass' : 'fail'}">${result.verdict}</span>`
    : ''
  // A parameter left to its default is not set (JSON drops undefined); it is not shown as "key=".
  const params = Object.entries(result.parameters)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(
      ([key, value]) =>
        `<code>${escapeHtml(key)}=${escapeHtml(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))}</code>`,
    )
    .join(' ')
  return `<section class="result"><h2>#${index + 1} ${escapeHtml(result.title)}${verdict}</h2>
<p class="meta">${escapeHtml(result.kind)}, engine ${escapeHtml(result.engine)}${result.impl ? `, impl ${escapeHtml(result.impl)}` : ''}, ${escapeHtml(result.createdAt)}</p>
<p class="params">${params}</p>
${throughputChart(result)}${latencyChart(result)}${phaseChart(result)}
${environmentTable(result)}</section>`
}

export function renderHtmlReport(results: BenchResult[]): string {
  const title = results.length === 1 ? results[0]!.title : `${results.length} bench results`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>3fs-cli: ${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:20px}h2{font-size:15px;margin:4px 0}
.results{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.result{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px;max-width:${W + 24}px}
figure{margin:8px 0}figcaption{font-weight:600;font-size:13px}
table{border-collapse:collapse;font-size:12px;margin:8px 0;background:#fff}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.unit{color:#777}
.meta,.params{font-size:12px;color:#555}code{font-size:11px;background:#f0f0f0;padding:0 3px;margin-right:2px}
.pass{color:#2a7d2a}.fail{color:#c62828}
</style></head>
<body><h1>3fs-cli bench report: ${escapeHtml(title)}</h1>
<div class="results">
${results.map(section).join('\n')}
</div>
<h2>Every figure</h2>
${figureTable(results)}
</body></html>
`
}
