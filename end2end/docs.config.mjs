// The user guide's screenshots (`./dev docs --screens`): the browser tests' setup, with
// the generator in docs/ instead of the tests (it checks nothing; `./dev test` does not
// run it).
import base from './playwright.config.mjs';

export default { ...base, testDir: './docs', timeout: 180_000 };
