import { SourceMapConsumer, type RawSourceMap } from 'source-map-js';

/** Where a stack frame points in the connector's own files (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

// The sandbox compiles a bundle under this file name (services/sandbox pool.ts).
const FRAME = /flowport-bundle:\/\/\/[^\s:()]*:(\d+):(\d+)/g;

/** `../src/lib/x.ts` (sources are relative to dist/) -> `src/lib/x.ts`; SDK and other files -> undefined. */
function connectorFile(source: string | null): string | undefined {
  if (!source) return undefined;
  const match = /(?:^|\/)(src\/[\w./@-]+)$/.exec(source.replace(/^(\.\.\/)+/, ''));
  if (!match || source.includes('node_modules') || source.includes('connector-sdk/')) return undefined;
  return match[1];
}

/**
 * Rewrites the bundle positions in a sandbox stack to the connector's files and returns the
 * first frame that lands in the connector's own code (frames in the bundled SDK are skipped:
 * the author wants the line they wrote).
 */
export function mapStack(stack: string, sourceMap: string | undefined): { stack: string; position?: SourcePosition } {
  if (!sourceMap) return { stack };
  let consumer: SourceMapConsumer;
  try {
    consumer = new SourceMapConsumer(JSON.parse(sourceMap) as RawSourceMap);
  } catch {
    return { stack };
  }
  let position: SourcePosition | undefined;
  const mapped = stack.replace(FRAME, (whole, lineText: string, columnText: string) => {
    // V8 columns are 1-based, source-map columns 0-based.
    const original = consumer.originalPositionFor({ line: Number(lineText), column: Number(columnText) - 1 });
    if (!original.source || original.line == null) return whole;
    const file = connectorFile(original.source);
    const column = (original.column ?? 0) + 1;
    if (file && !position) position = { file, line: original.line, column };
    return `${file ?? original.source.replace(/^(\.\.\/)+/, '')}:${original.line}:${column}`;
  });
  return { stack: mapped, position };
}
