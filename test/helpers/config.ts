/** The errors parseCluster reports for a cluster.yml text; fails the test when the text is accepted. */
import {parseCluster} from '../../src/config/loader.js'
import {ConfigError, type ConfigProblem} from '../../src/config/problems.js'

export function problemsOf(text: string): ConfigProblem[] {
  try {
    parseCluster(text, 'cluster.yml')
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.filter((problem) => problem.severity === 'error')
    throw error
  }
  throw new Error('expected the config to be rejected')
}
