#!/usr/bin/env node
// Development entry point: runs the compiled commands like run.js, but in oclif's development mode
// (full stack traces, no manifest cache). Run `npm run build` (or `tsc -w`) first.
import {runCli} from '../dist/ui/run-cli.js'

await runCli({development: true, dir: import.meta.url})
