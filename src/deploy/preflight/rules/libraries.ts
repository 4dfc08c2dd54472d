/**
 * A client node's usrbio library (libhf3fs_api_shared.so, where 3fs-cli and 3FS put it) and the login user's
 * duckdb-3fs extension: every shared library they need is present (ldd), else usrbio and duckdb-3fs fail to
 * load there. A warning, not a failure: the deploy itself does not load them.
 */
import {
  aptInstallHint,
  describeMissing,
  lddScript,
  parseLddScript,
  usrbioLibraryCandidates,
} from '../../../remote/library-deps.js'
import {shellQuote} from '../../../remote/shell.js'
import type {PreflightRule} from '../model.js'

export const librariesRule: PreflightRule = {
  check: 'libraries',
  appliesTo: ({services}) => services.includes('client'),
  probe: ({context, node}) => {
    const home = `"$(getent passwd ${shellQuote(node.username)} | cut -d: -f6)"`
    return [
      `S libraries; ${lddScript(usrbioLibraryCandidates(context.workDir), `${context.workDir}/duckdb/lib`, [`${home}/.duckdb/extensions/*/*/threefs.duckdb_extension`])}`,
    ]
  },
  judge: ({text}) => {
    const libraries = parseLddScript(text('libraries'))
    const broken = libraries.filter((entry) => entry.missing.length > 0)
    if (libraries.length === 0)
      return {
        check: 'libraries',
        status: 'ok',
        detail: 'no libhf3fs_api_shared.so or duckdb-3fs extension installed yet',
      }
    if (broken.length === 0)
      return {
        check: 'libraries',
        status: 'ok',
        detail: `every library found for ${libraries.map((entry) => entry.file).join(', ')}`,
      }
    return {
      check: 'libraries',
      status: 'warn',
      detail: `missing ${describeMissing(broken)}: usrbio and duckdb-3fs fail to load there`,
      fix: `Install them: ${aptInstallHint(broken) || 'find the packages with apt-file search'}.`,
    }
  },
}
