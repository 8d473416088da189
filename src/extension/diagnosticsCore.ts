// Diagnostics of an experiment file as plain data (pure; unit-tested): everything parseExperiment reports,
// located by offset/length, plus paths the file names that leave the workspace.
import * as path from 'node:path';
import * as jsonc from 'jsonc-parser';
import { parseExperiment } from '../core/config';
import { isInside } from './paths';

export interface PlainDiagnostic { offset: number; length: number; message: string; severity: 'error' | 'warning'; path: (string | number)[] }

/** `file` and `workspaceRoot` enable the path check; without them only the config is checked. */
export function experimentDiagnostics(text: string, file?: string, workspaceRoot?: string): PlainDiagnostic[] {
  const out: PlainDiagnostic[] = [];
  const { issues } = parseExperiment(text);
  for (const i of issues) {
    out.push({ offset: i.offset ?? 0, length: Math.max(1, i.length ?? 1), message: i.message, severity: i.severity, path: i.path });
  }
  if (file && workspaceRoot) {
    const tree = jsonc.parseTree(text, [], { allowTrailingComma: true });
    const node = tree && jsonc.findNodeAtLocation(tree, ['$schema']);
    if (node && typeof node.value === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(node.value)) {
      const target = path.resolve(path.dirname(file), node.value);
      if (!isInside(workspaceRoot, target)) {
        out.push({ offset: node.offset, length: node.length, severity: 'error', path: ['$schema'], message: `path "${node.value}" leaves the workspace folder; Anchor Lab only reads files inside it` });
      }
    }
  }
  return out;
}
