/**
 * listr2 rendering of a deploy or destroy: one line per stage, the action running on some node while it
 * runs, "n applied, m already done" when it ends. Silent in --json mode.
 */
import {Listr} from 'listr2'

import type {ApplyEvents} from '../deploy/apply.js'

interface StageHandle {
  done: Promise<void>
  finish(title: string | undefined, failed: boolean): void
  output(text: string): void
}

export class StageProgress {
  private readonly stages = new Map<string, StageHandle>()
  private listr?: Promise<unknown>

  constructor(names: string[], enabled: boolean) {
    for (const name of names) {
      let finish!: StageHandle['finish']
      const handle: StageHandle = {
        done: new Promise<void>((resolve, reject) => {
          finish = (_title, failed) => (failed ? reject(new Error(`${name} failed`)) : resolve())
        }),
        finish: (title, failed) => finish(title, failed),
        output: () => {},
      }
      handle.done.catch(() => {})
      this.stages.set(name, handle)
    }
    if (!enabled) return
    const titles = new Map<string, string>()
    const list = new Listr(
      names.map((name) => ({
        title: name,
        task: async (_: unknown, task: {output: string; title: string}) => {
          const handle = this.stages.get(name)!
          handle.output = (text) => {
            task.output = text
          }
          const original = handle.finish
          handle.finish = (title, failed) => {
            if (title) titles.set(name, title)
            original(title, failed)
          }
          try {
            await handle.done
          } finally {
            const title = titles.get(name)
            if (title) task.title = title
          }
        },
      })),
      {
        renderer: process.stdout.isTTY ? 'default' : 'simple',
        exitOnError: true,
        registerSignalListeners: false,
        rendererOptions: {collapseErrors: false},
      },
    )
    this.listr = list.run().catch(() => undefined)
  }

  events(): ApplyEvents {
    return {
      actionStarted: (stage, action) => this.stages.get(stage)?.output(`${action.node}: ${action.description}`),
      stageFinished: (stage, counts, failed) => {
        const parts = [`${counts.applied} applied`, ...(counts.skipped ? [`${counts.skipped} already done`] : [])]
        this.stages.get(stage)?.finish(`${stage} (${parts.join(', ')})`, failed)
      },
    }
  }

  /** Ends the display; stages that never started are shown as skipped. */
  async finish(): Promise<void> {
    for (const handle of this.stages.values()) handle.finish(undefined, false)
    await this.listr
  }
}

/**
 * Progress for a service that builds its plan itself: `events` creates the display once the stages are
 * known, `around` ends it however the work ends.
 */
export function stageProgressFor(enabled: boolean): {
  events: (plan: {stages: Array<{name: string}>}) => ApplyEvents
  around<T>(work: () => Promise<T>): Promise<T>
} {
  let progress: StageProgress | undefined
  return {
    events: (plan) => {
      progress = new StageProgress(
        plan.stages.map((stage) => stage.name),
        enabled,
      )
      return progress.events()
    },
    async around(work) {
      try {
        return await work()
      } finally {
        await progress?.finish()
      }
    },
  }
}
