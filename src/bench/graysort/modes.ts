/** Record formats gensort makes, and the one 3fs-cli cannot make identically. */
import {UsageError} from '../../errors.js'

/**
 * gensort's skewed mode (-s) draws key prefixes from constant tables in gensort's source; records
 * identical to gensort's need those exact tables, which 3fs-cli does not copy.
 */
export function rejectSkewMode(mode: string): void {
  if (mode !== 'skew') return
  throw new UsageError(
    "--mode skew is not available: gensort -s takes its key prefixes from constant tables in gensort's source, which 3fs-cli does not copy, so its records could not be identical",
    {
      next: [
        'Generate skewed input with gensort -s (gensort 1.5) and give those files to `3fs-cli bench graysort sort --input` and `validate`: the sort samples the keys, so skewed input stays balanced.',
      ],
    },
  )
}
