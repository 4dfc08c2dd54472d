#!/usr/bin/env node
// Production entry point: runs the compiled commands from dist/.
import {runCli} from '../dist/ui/run-cli.js'

await runCli({development: false, dir: import.meta.url})
