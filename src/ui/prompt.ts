/** Asks for a secret on the terminal without echoing it. Only used when stdin is a TTY. */
import {createInterface} from 'node:readline'
import {Writable} from 'node:stream'

export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}

export async function promptSecret(question: string): Promise<string | undefined> {
  if (!canPrompt()) return undefined
  let muted = false
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk)
      callback()
    },
  })
  const rl = createInterface({input: process.stdin, output, terminal: true})
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        process.stderr.write('\n')
        resolve(answer)
      })
      muted = true
    })
  } finally {
    rl.close()
  }
}

/** Asks a question on the terminal (echoed); empty when no one is there to answer. */
export async function promptLine(question: string): Promise<string> {
  if (!canPrompt()) return ''
  const rl = createInterface({input: process.stdin, output: process.stderr, terminal: true})
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve))
  } finally {
    rl.close()
  }
}
