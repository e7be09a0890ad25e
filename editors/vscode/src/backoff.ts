// When to restart a crashed server. Pure (the clock is passed in) so that
// node --test can walk a crash loop without waiting.

export interface BackoffOptions {
  /** First delay, doubled per crash. */
  initialMs: number;
  maxMs: number;
  /** Give up after this many crashes within windowMs. */
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1000,
  maxMs: 30_000,
  maxCrashes: 5,
  windowMs: 3 * 60_000,
};

export type Decision =
  /** Restart after delayMs; notify is true only for the first crash of a run. */
  | { action: 'restart'; delayMs: number; attempt: number; notify: boolean }
  /** Too many crashes: stop and say so (once). */
  | { action: 'give-up'; crashes: number };

/**
 * Crash bookkeeping for one server. The user hears about the first crash
 * (a restart is coming) and about giving up, never about the ones between:
 * a crash loop must not become a notification loop.
 */
export class Backoff {
  private crashes: number[] = [];
  private told = false;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  /** Records a crash at time now (ms) and says what to do. */
  crashed(now: number): Decision {
    this.crashes = this.crashes.filter((t) => now - t < this.opts.windowMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    if (n >= this.opts.maxCrashes) return { action: 'give-up', crashes: n };
    const delayMs = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** (n - 1));
    const notify = !this.told;
    this.told = true;
    return { action: 'restart', delayMs, attempt: n, notify };
  }

  /**
   * The server has been up long enough to count as healthy: the next
   * crash starts from the first delay again. It is not told again: the
   * user knows the server can crash, and the output has every restart.
   */
  healthy(): void {
    this.crashes = [];
  }

  /** A manual restart forgets everything: the user asked to start over. */
  reset(): void {
    this.crashes = [];
    this.told = false;
  }
}
