/** Badge class per run or step status. */
export function runStatusClass(status: string): string {
  switch (status) {
    case 'succeeded':
    case 'accepted':
      return 'badge badge-success';
    case 'failed':
    case 'dead-lettered':
      return 'badge badge-danger';
    case 'queued':
    case 'running':
      return 'badge badge-primary';
    case 'filtered':
    case 'duplicate':
      return 'badge badge-warning';
    default:
      return 'badge';
  }
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** How a run started, in words: `Manual`, `Test (connector)`, `Replay`, ... */
export function describeRunTrigger(trigger: Record<string, unknown>): string {
  const type = typeof trigger['type'] === 'string' ? trigger['type'] : 'run';
  const label = type.charAt(0).toUpperCase() + type.slice(1);
  const replay = trigger['replayOf'] ? ' · replay' : '';
  if (type === 'test' && typeof trigger['source'] === 'string') return `Test (${trigger['source']})${replay}`;
  if (type === 'event' && typeof trigger['event'] === 'string') return `Event ${trigger['event']}${replay}`;
  return label + replay;
}

export const isReplayable = (status: string) => status === 'failed' || status === 'dead-lettered';
