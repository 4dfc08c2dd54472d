/**
 * The CLI's entry, called by bin/run.js (production) and bin/dev.js. It is its own module so that the build
 * bundles oclif into the chunks the commands share: one copy of oclif's classes, loaded as a few files instead
 * of ~180 CommonJS modules (see bin/bundle.mjs).
 */
import {execute} from '@oclif/core'

export async function runCli(options: {development: boolean; dir: string}): Promise<void> {
  await execute(options)
}
