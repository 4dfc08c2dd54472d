/** Maps a key path in a parsed YAML document back to a file position (1-based line and column). */
import {isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node} from 'yaml'

import type {PathSegment} from './problems.js'

export interface Position {
  line: number
  column: number
}

/**
 * Position of the value at `path`, or of its key when `at` is 'key'. When the path does not exist
 * (a missing key), the position of the deepest existing ancestor is returned.
 */
export function locate(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PathSegment[],
  at: 'key' | 'value' = 'value',
): Position {
  let node: unknown = document.contents
  let position = offsetToPosition(lineCounter, rangeStart(node) ?? 0)
  for (const [index, segment] of path.entries()) {
    const isLast = index === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      )
      if (!pair) return position
      const keyStart = rangeStart(pair.key)
      if (isLast && at === 'key' && keyStart !== undefined) return offsetToPosition(lineCounter, keyStart)
      node = pair.value
      const start = rangeStart(pair.value) ?? keyStart
      if (start !== undefined) position = offsetToPosition(lineCounter, start)
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment]
      if (item === undefined) return position
      node = item
      const start = rangeStart(item)
      if (start !== undefined) position = offsetToPosition(lineCounter, start)
    } else {
      return position
    }
  }
  return position
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range
  return range ? range[0] : undefined
}

export function offsetToPosition(lineCounter: LineCounter, offset: number): Position {
  const {line, col} = lineCounter.linePos(offset)
  return {line, column: col}
}
