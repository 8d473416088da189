// A CLI process for the sweep tests: the real `anchor-lab` program with the sweep command registered
// (what src/runner/cli.ts does once it calls registerSweepCommand). The tests bundle it with esbuild (helpers.ts);
// by hand: node -r tsx/cjs test/sweep/harness.ts sweep <file> ...
import { ConfigError } from '../../src/core/config';
import { buildProgram } from '../../src/runner/cli';
import { registerSweepCommand } from '../../src/runner/sweepCli';

async function main() {
  const program = buildProgram();
  if (!program.commands.some((c) => c.name() === 'sweep')) registerSweepCommand(program);
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(e.message + '\n'); process.exitCode = 2; return; }
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) { process.exitCode = ce.exitCode ?? 2; return; }
    process.stderr.write(`anchor-lab: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
void main();
