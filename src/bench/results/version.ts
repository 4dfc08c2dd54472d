/** The saved result's schema version, apart from the zod schema so that saving a result does not load zod. */
export const RESULT_SCHEMA_VERSION = 1
