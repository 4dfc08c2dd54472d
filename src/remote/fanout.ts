/**
 * Runs work on many nodes with bounded concurrency. Each node gets its own outcome; a failure on one
 * node either lets the others finish (default) or cancels the rest (failFast), as the caller asks.
 */
import {performance} from 'node:perf_hooks'

import {Semaphore} from './limit.js'

export type NodeOutcome<T> =
  | {node: string; ok: true; value: T; durationMs: number}
  | {node: string; ok: false; error: unknown; durationMs: number; cancelled: boolean}

export interface FanOutOptions {
  concurrency: number
  /** Cancel nodes not yet finished when one fails. */
  failFast?: boolean
  signal?: AbortSignal
}

export async function fanOut<N extends {name: string}, T>(
  nodes: readonly N[],
  work: (node: N, signal: AbortSignal) => Promise<T>,
  options: FanOutOptions,
): Promise<Array<NodeOutcome<T>>> {
  const controller = new AbortController()
  const onAbort = () => controller.abort(options.signal?.reason)
  if (options.signal?.aborted) controller.abort(options.signal.reason)
  options.signal?.addEventListener('abort', onAbort, {once: true})
  const limit = new Semaphore(Math.max(1, Math.min(options.concurrency, nodes.length || 1)))
  try {
    return await Promise.all(
      nodes.map(async (node): Promise<NodeOutcome<T>> => {
        const release = await limit.acquire()
        const started = performance.now()
        try {
          if (controller.signal.aborted) {
            return {
              node: node.name,
              ok: false,
              error: new Error('cancelled before it started'),
              durationMs: 0,
              cancelled: true,
            }
          }
          const value = await work(node, controller.signal)
          return {node: node.name, ok: true, value, durationMs: performance.now() - started}
        } catch (error) {
          const cancelled = controller.signal.aborted
          if (options.failFast && !cancelled) controller.abort(error)
          return {node: node.name, ok: false, error, durationMs: performance.now() - started, cancelled}
        } finally {
          release()
        }
      }),
    )
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * The values of a fail-fast fan-out in node order, or the error that stopped it: the first node that
 * really failed, not one of the nodes cancelled because of it.
 */
export function valuesOrThrow<T>(outcomes: Array<NodeOutcome<T>>): T[] {
  const failure =
    outcomes.find((outcome) => !outcome.ok && !outcome.cancelled) ?? outcomes.find((outcome) => !outcome.ok)
  if (failure && !failure.ok) throw failure.error
  return outcomes.map((outcome) => (outcome as {value: T}).value)
}
