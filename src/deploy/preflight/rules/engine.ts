/** The container engine answers (3FS, FoundationDB and ClickHouse all run as containers). */
import {shellQuote} from '../../../remote/shell.js'
import type {PreflightRule} from '../model.js'

export const runtimeRule: PreflightRule = {
  check: 'runtime',
  appliesTo: () => true,
  probe: ({context}) => {
    const rt = shellQuote(context.runtime)
    return [
      `S runtime; if command -v ${rt} >/dev/null 2>&1; then echo "PATH=$(command -v ${rt})"; timeout 20 ${rt} version --format 'SERVER={{.Server.Version}}' 2>&1 | tail -n 2; else echo missing; fi`,
    ]
  },
  judge: ({context, text}) => {
    const runtime = text('runtime')
    if (runtime === 'missing' || runtime === '') {
      return {
        check: 'runtime',
        status: 'fail',
        detail: `${context.runtime} not found`,
        fix: `Install a container engine (e.g. apt-get install docker.io) and start it; 3FS runs in containers from the ${context.images.threefs} image.`,
      }
    }
    const server = /SERVER=(\S+)/.exec(runtime)?.[1]
    return server
      ? {check: 'runtime', status: 'ok', detail: `${context.runtime} ${server}`}
      : {
          check: 'runtime',
          status: 'fail',
          detail: `${context.runtime} is installed but its engine does not answer: ${runtime.split('\n').pop()}`,
          fix: `Start it: systemctl start ${context.runtime}`,
        }
  },
}

export const kernelRule: PreflightRule = {
  check: 'kernel',
  appliesTo: () => true,
  probe: () => ['S kernel; uname -r'],
  judge: ({text}) => ({check: 'kernel', status: 'ok', detail: text('kernel') || 'unknown'}),
}
