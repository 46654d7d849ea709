import { ApiError, normalizePath } from '../../../core/api/api-error';
import { BuiltManifest, SourceFiles } from '../../../core/api/studio-models';

/** Something wrong that the editor can point at: a build error, a registry refusal or a test failure. */
export interface SourceProblem {
  source: 'build' | 'publish' | 'test';
  /** `src/lib/actions/get-item.ts`, or null when no file could be named. */
  file: string | null;
  /** 1-based; null when only the file (or nothing) is known. */
  line: number | null;
  column: number | null;
  /** What the server named: `src/x.ts:12:5`, `manifest.triggers[0].props.batchSize`, `version`. */
  path: string;
  message: string;
}

interface Location {
  file: string;
  line: number;
  column: number;
}

/** `src/x.ts:12:5` -> { file, line, column }. */
export function parseLocation(path: string): Location | null {
  const match = /^(.+\.[cm]?[jt]sx?):(\d+):(\d+)$/.exec(path);
  return match ? { file: match[1], line: Number(match[2]), column: Number(match[3]) } : null;
}

function lineOf(text: string, pattern: RegExp): { line: number; column: number } | null {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const found = pattern.exec(lines[i]);
    if (found) return { line: i + 1, column: found.index + 1 };
  }
  return null;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Finds the source line a manifest path comes from, so a registry error such as
 * `manifest.actions[0].displayName` lands on the `displayName:` line of that action's file. The
 * manifest says which action is `actions[0]`; its file is the one declaring `name: '<that name>'`.
 */
export function locateManifestPath(path: string, manifest: BuiltManifest | null, files: SourceFiles): Location | null {
  const segments = normalizePath(path).replace(/^manifest\./, '').split('.').filter(Boolean);
  if (segments.length === 0) return null;
  const keys = segments.filter((s) => !/^\d+$/.test(s));
  const lastKey = keys[keys.length - 1];
  const list = segments[0] as 'actions' | 'triggers' | 'accounts';
  if (['actions', 'triggers', 'accounts'].includes(list) && /^\d+$/.test(segments[1] ?? '')) {
    const name = manifest?.[list]?.[Number(segments[1])]?.name;
    if (!name) return null;
    const namePattern = new RegExp(`\\bname\\s*:\\s*['"\`]${escape(name)}['"\`]`);
    for (const [file, text] of Object.entries(files)) {
      const declared = lineOf(text, namePattern);
      if (!declared) continue;
      const keyLine = segments.length > 2 && lastKey ? lineOf(text, new RegExp(`\\b${escape(lastKey)}\\s*:`)) : null;
      return { file, ...(keyLine ?? declared) };
    }
    return null;
  }
  const index = files['src/index.ts'];
  if (index === undefined) return null;
  const at = lineOf(index, new RegExp(`\\b${escape(segments[0])}\\s*:`));
  return at ? { file: 'src/index.ts', ...at } : null;
}

// Registry refusals that name no path but are about one manifest field.
const CODE_PATHS: Record<string, string> = {
  VERSION_EXISTS: 'manifest.version',
  VERSION_NOT_HIGHER: 'manifest.version',
  NAME_TAKEN: 'manifest.name',
};

/** Every detail of an API error as a problem located in the sources where possible. */
export function problemsFromError(err: ApiError, source: SourceProblem['source'], manifest: BuiltManifest | null, files: SourceFiles): SourceProblem[] {
  const details = err.details.length > 0 ? err.details : [{ path: CODE_PATHS[err.code] ?? '', message: err.message }];
  return details.map((d) => {
    const at = parseLocation(d.path) ?? (d.path ? locateManifestPath(d.path, manifest, files) : null);
    return { source, file: at?.file ?? null, line: at?.line ?? null, column: at?.column ?? null, path: d.path, message: d.message };
  });
}
