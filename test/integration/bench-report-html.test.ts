/**
 * The HTML report in a real headless Chromium (Debian's chromium), with the network off: the charts
 * render (a screenshot that is not blank, SVG elements with size), no console errors, nothing fetched.
 * Under CI=true a missing chromium fails the test instead of skipping it.
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {chromium, type Browser} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
const inCi = process.env.CI === 'true'
const work = mkdtempSync(join(tmpdir(), '3fs-cli-html-'))
const env = {XDG_CACHE_HOME: join(work, 'cache')}

describe('bench HTML report in headless Chromium', () => {
  it('has Chromium to render in (required under CI)', () => {
    if (inCi) expect(haveChromium, `${CHROMIUM} is missing: .ci/run installs Debian's chromium`).toBe(true)
  })

  describe.skipIf(!haveChromium && !inCi)('rendered', () => {
    let browser: Browser
    let html = ''

    beforeAll(async () => {
      const throughput = await runCli(
        [
          'bench',
          'throughput',
          '--rw',
          'read',
          '--bs',
          '1M',
          '--iodepth',
          '4',
          '--size',
          '16M',
          '--runtime',
          '2s',
          '--dir',
          mkdtempSync(join(work, 'tp-')),
          '--out',
          join(work, 't.json'),
          '--html',
          join(work, 't.html'),
        ],
        {env},
      )
      expect(throughput.exitCode, throughput.stderr).toBe(0)
      const graysort = await runCli(['bench', 'graysort', 'run', '--size', '4M', '--out', join(work, 'g.json')], {env})
      expect(graysort.exitCode, graysort.stderr).toBe(0)
      html = join(work, 'report.html')
      const report = await runCli(
        ['bench', 'report', join(work, 't.json'), join(work, 'g.json'), join(work, 't.json'), '--html', html, '--json'],
        {env},
      )
      expect(report.exitCode, report.stderr).toBe(0)
      expect(report.json.html).toBe(html)
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      })
    }, 180_000)

    afterAll(async () => {
      await browser?.close()
      rmSync(work, {recursive: true, force: true})
    })

    for (const file of ['report.html', 't.html']) {
      it(`${file}: draws its charts offline with no console errors and no requests`, async () => {
        const context = await browser.newContext({offline: true, viewport: {width: 1300, height: 1000}})
        const page = await context.newPage()
        const errors: string[] = []
        const requests: string[] = []
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning')
            errors.push(`${message.type()}: ${message.text()}`)
        })
        page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
        page.on('request', (request) => {
          if (!request.url().startsWith('file:')) requests.push(request.url())
        })
        await context.route(/^(?!file:)/, (route) => route.abort())
        await page.goto(pathToFileURL(join(work, file)).href, {waitUntil: 'load'})
        const charts = await page.locator('figure svg').evaluateAll((svgs) =>
          svgs.map((svg) => {
            const box = svg.getBoundingClientRect()
            return {
              label: svg.getAttribute('aria-label'),
              width: box.width,
              height: box.height,
              marks: svg.querySelectorAll('polyline, rect, line').length,
            }
          }),
        )
        const labels = charts.map((chart) => chart.label)
        expect(labels).toContain('Throughput per second')
        expect(labels).toContain('Latency histogram')
        if (file === 'report.html') {
          expect(labels).toContain('Phases per node')
          // The map's and the reduce's parts are drawn under their phases, each with its own title.
          const partTitles = await page.locator('rect.phase-part title').allTextContents()
          expect(partTitles.some((title) => / map partition: \d/.test(title))).toBe(true)
          expect(partTitles.some((title) => / reduce sort: \d/.test(title))).toBe(true)
          expect(await page.locator('section.result').count()).toBe(3)
        }
        for (const chart of charts) {
          expect(chart.width).toBeGreaterThan(100)
          expect(chart.height).toBeGreaterThan(100)
          expect(chart.marks).toBeGreaterThan(5)
        }
        expect(await page.locator('text=p99.9').count()).toBeGreaterThan(0)
        const png = await page.screenshot({fullPage: true})
        // Not blank: decode the screenshot in a blank page and count the pixels that are not background.
        const probe = await context.newPage()
        const inked = await probe.evaluate(
          async (dataUrl) => {
            // Runs in the page: DOM globals, which this Node.js project's types do not declare.
            const dom = globalThis as any
            const image = new dom.Image()
            image.src = dataUrl
            await image.decode()
            const canvas = dom.document.createElement('canvas')
            canvas.width = image.width
            canvas.height = image.height
            const context2d = canvas.getContext('2d')
            context2d.drawImage(image, 0, 0)
            const data = context2d.getImageData(0, 0, image.width, image.height).data
            let count = 0
            for (let i = 0; i < data.length; i += 4)
              if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) count++
            return {count, total: data.length / 4}
          },
          `data:image/png;base64,${png.toString('base64')}`,
        )
        expect(inked.count / inked.total).toBeGreaterThan(0.01)
        expect(errors).toEqual([])
        expect(requests).toEqual([])
        await context.close()
      }, 60_000)
    }
  })
})
