/** The CLI's exit codes (table in `cli-error.ts`); a module of its own so start-up can use them without loading the client. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNAUTHENTICATED = 3;
