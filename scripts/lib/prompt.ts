// Asking for a value at the terminal, for the command-line scripts (createsuperuser, keys).
import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'

/**
 * Asks `question` on the terminal and returns the answer; `hidden` echoes nothing while it is
 * typed (a password). With no terminal on stdin it asks nothing: `notInTerminal` is called with
 * what was asked for (the question without its colon), and must end the script.
 */
export async function ask(
  question: string,
  { hidden = false, notInTerminal }: { hidden?: boolean; notInTerminal: (what: string) => never },
): Promise<string> {
  if (!process.stdin.isTTY) notInTerminal(question.replace(/:\s*$/, ''))
  // Typed characters are echoed through `output`: muted once the question is out, for a
  // password. (Replacing readline's internal _writeToOutput does nothing in node:readline/promises.)
  let muted = false
  const output = new Writable({
    write(chunk, encoding, done) {
      if (!muted) process.stdout.write(chunk, encoding)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  const answer = rl.question(question)
  muted = hidden
  try {
    return await answer
  } finally {
    rl.close()
    if (hidden) process.stdout.write('\n')
  }
}
