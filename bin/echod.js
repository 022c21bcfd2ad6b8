#!/usr/bin/env node
// `npx echod ...`: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import('../dist/src/cli/echod.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('echod is not built yet: run `npm run build` (npm ci does it) and try again.');
    process.exit(1);
  }
  throw err;
});
