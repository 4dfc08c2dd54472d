/** status: collect (live or from a capture), optionally save the capture, judge. */
import type {Cluster} from '../config/model.js'
import {prepareCaptureDir, readCapture, writeCapture, type CaptureInfo} from './capture.js'

export {prepareCaptureDir}
import {StatusCollector} from './collect.js'
import {judge, type StatusReport} from './judge.js'
import {statusLayout} from './layout.js'
import {recordedLayout, withGrafana, withNodeIds} from './node-ids.js'
import type {PoolOptions} from '../remote/pool.js'

export interface LiveStatusOptions {
  cluster: Cluster
  runtime: string
  sudo: boolean
  timeoutMs: number
  concurrency?: number
  pool?: Partial<PoolOptions>
  /** Save every raw output here (see capture.ts for the layout). */
  captureDir?: string
  toolVersion: string
}

export interface StatusResult {
  report: StatusReport
  source: {kind: 'live'; capturedTo?: string} | {kind: 'capture'; dir: string; capturedAt?: string}
  durationMs: number
}

/** Keeps connections open across rounds (for --watch). */
export class StatusSession {
  private readonly collector: StatusCollector

  constructor(private readonly options: LiveStatusOptions) {
    this.collector = new StatusCollector({
      cluster: options.cluster,
      layout: statusLayout(options.cluster, options.runtime),
      sudo: options.sudo,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency,
      pool: options.pool,
    })
  }

  async round(signal?: AbortSignal): Promise<StatusResult> {
    const started = performance.now()
    const raw = await this.collector.collect(signal)
    if (this.options.captureDir) {
      const info: CaptureInfo = {capturedAt: new Date().toISOString(), tool: `3fs-cli ${this.options.toolVersion}`}
      await writeCapture(this.options.captureDir, raw, info)
    }
    const report = await withGrafana(
      withNodeIds(
        judge(raw, {configArg: `-c ${this.options.cluster.file}`}),
        await recordedLayout(this.options.cluster),
      ),
      this.options.cluster,
      signal,
    )
    return {
      report,
      source: {kind: 'live', ...(this.options.captureDir ? {capturedTo: this.options.captureDir} : {})},
      durationMs: Math.round(performance.now() - started),
    }
  }

  close(): Promise<void> {
    return this.collector.close()
  }
}

export async function statusFromCapture(dir: string): Promise<StatusResult> {
  const started = performance.now()
  const {raw, info} = await readCapture(dir)
  const report = judge(raw, {configArg: '-c cluster.yml', ...(info?.capturedAt ? {observedAt: info.capturedAt} : {})})
  return {
    report,
    source: {kind: 'capture', dir, ...(info?.capturedAt ? {capturedAt: info.capturedAt} : {})},
    durationMs: Math.round(performance.now() - started),
  }
}
