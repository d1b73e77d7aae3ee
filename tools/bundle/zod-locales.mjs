// The locales zod's namespace re-exports (`z.locales`), cut to the one it uses itself: English,
// the default error messages. tollgate never switches zod's locale, and the other 50 are over a
// third of zod's code, compiled and evaluated at every start (see slim-packages.ts).

export { default as en } from "zod/v4/locales/en.js";
