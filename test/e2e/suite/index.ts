// Mocha inside the real extension host (code-server), loaded through extensionTestsPath (see ../inhost.test.ts).
// Bundled by esbuild into out/e2e-suite/index.js; `vscode` and `mocha` stay external.
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'inhost', mocha);
  // The runner picks the suite through the environment it gives code-server (it reaches the extension host).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (process.env.ANCHOR_LAB_INHOST_SUITE === 'untrusted') require('./untrusted.suite'); else require('./inhost.suite');
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} in-host test(s) failed`)) : resolve()));
  });
}
export const suiteDir = path.dirname(__filename);
