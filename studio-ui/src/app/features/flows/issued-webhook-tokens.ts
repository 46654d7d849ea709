import { Injectable } from '@angular/core';

/**
 * Webhook tokens the API returned once (at creation), handed from the Create-flow wizard to the
 * designer so it can show the token a single time. Kept in memory only, never stored.
 */
@Injectable({ providedIn: 'root' })
export class IssuedWebhookTokens {
  private readonly tokens = new Map<string, string>();

  keep(flowId: string, token: string | undefined): void {
    if (token) this.tokens.set(flowId, token);
  }

  /** The token issued for the flow, once; later calls answer null. */
  take(flowId: string): string | null {
    const token = this.tokens.get(flowId) ?? null;
    this.tokens.delete(flowId);
    return token;
  }
}
