// `npm run studio`: package the VSIX, start the same code-server the e2e tests use on 127.0.0.1 with the extension
// installed and examples/ opened, and print the URL. Ctrl-C stops it (runs you started keep going; see the Runs view).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, packageVsix, REPO, startCodeServer, VSIX } from './harness';

async function main(): Promise<void> {
  const wanted = Number(process.env.ANCHOR_LAB_STUDIO_PORT ?? 8080);
  const port = await new Promise<number>((resolve) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const s = require('node:net').createServer();
    s.once('error', () => void freePort().then(resolve));
    s.listen(wanted, '127.0.0.1', () => s.close(() => resolve(wanted)));
  });
  process.stderr.write('packaging the VSIX (npm run package)…\n');
  packageVsix();
  const root = path.join(REPO, 'out', 'studio');
  fs.mkdirSync(root, { recursive: true });
  const server = await startCodeServer({ root, port, install: [VSIX], settings: { 'security.workspace.trust.enabled': false } });
  const folder = path.join(REPO, 'examples');
  process.stdout.write(`\nAnchor Lab studio: open ${server.url}/?folder=${encodeURIComponent(folder)}\n(code-server ${port}, data in ${path.relative(REPO, root)}; Ctrl-C to stop)\n`);
  const stop = () => { void server.stop().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}
main().catch((e) => { process.stderr.write(`${(e as Error).message}\n`); process.exit(1); });
