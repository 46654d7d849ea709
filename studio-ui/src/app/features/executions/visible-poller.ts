/**
 * Calls `tick` every `intervalMs` while the page is visible (no requests from background tabs),
 * once at once when the page becomes visible again, and never twice at the same time.
 */
export class VisiblePoller {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running = false;
  private readonly onVisibility = () => {
    if (this.doc.visibilityState === 'visible') void this.run();
  };

  constructor(
    private readonly tick: () => Promise<unknown>,
    private readonly intervalMs = 2000,
    private readonly doc: Document = document,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.doc.addEventListener('visibilitychange', this.onVisibility);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.doc.removeEventListener('visibilitychange', this.onVisibility);
  }

  get active(): boolean {
    return this.timer !== null;
  }

  private async run(): Promise<void> {
    if (this.running || this.doc.visibilityState !== 'visible') return;
    this.running = true;
    try {
      await this.tick();
    } catch {
      // A failed refresh is retried on the next tick; the page keeps what it shows.
    } finally {
      this.running = false;
    }
  }
}
