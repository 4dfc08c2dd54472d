/** Collects a stream's output up to a cap (the head is kept; a marker says what was dropped). */
import {Readable} from 'node:stream'

export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024

export class OutputCollector {
  private chunks: Buffer[] = []
  private size = 0
  private dropped = 0

  constructor(private readonly onChunk?: (chunk: Buffer) => void) {}

  push = (chunk: Buffer): void => {
    this.onChunk?.(chunk)
    if (this.size >= MAX_OUTPUT_BYTES) {
      this.dropped += chunk.length
      return
    }
    this.chunks.push(chunk)
    this.size += chunk.length
  }

  result(): Buffer {
    const body = Buffer.concat(this.chunks)
    return this.dropped > 0
      ? Buffer.concat([body, Buffer.from(`\n[3fs-cli: ${this.dropped} more bytes of output dropped]\n`)])
      : body
  }
}

/** stdin for a command: an optional prefix line (sudo's password) followed by the caller's data. */
export function stdinStream(
  prefix: string | undefined,
  data: string | Buffer | Readable | undefined,
): Readable | undefined {
  if (prefix === undefined && data === undefined) return undefined
  async function* parts(): AsyncGenerator<Buffer> {
    if (prefix !== undefined) yield Buffer.from(prefix)
    if (data === undefined) return
    if (typeof data === 'string' || Buffer.isBuffer(data)) {
      yield Buffer.from(data)
      return
    }
    for await (const chunk of data) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
  }
  return Readable.from(parts(), {objectMode: false})
}
