import { ApiError, MetricsService, Public } from '@flowport/core';
import { Controller, Get, HttpCode, HttpException, HttpStatus, Optional, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { WebhooksService } from './webhooks.service';
import type { WebhookRequestLike } from './webhook-body';

type HookRequest = WebhookRequestLike & { query?: Record<string, unknown>; method: string; path?: string };

/**
 * Flow webhooks. No API key: the flow's own token (`Authorization: Bearer` or
 * `X-Flowport-Token`) authenticates each call.
 */
@ApiExcludeController()
@Public()
@Controller('hooks')
export class WebhooksController {
  constructor(
    private readonly hooks: WebhooksService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /** 202 `{ runId }` for a run started; 200 `{ runId, status: 'duplicate', duplicateOf }` for a call whose External ID the flow already recorded. */
  @Post(':flowId')
  @HttpCode(202)
  async receive(@Param('flowId') flowId: string, @Req() req: HookRequest, @Res({ passthrough: true }) res: { status(code: number): unknown }) {
    try {
      const answer = await this.hooks.receive(flowId, req, tokenOf(req));
      const status = 'status' in answer ? HttpStatus.OK : HttpStatus.ACCEPTED;
      if (status === HttpStatus.OK) res.status(status);
      this.metrics?.webhookRequest(status);
      return answer;
    } catch (error) {
      this.metrics?.webhookRequest(error instanceof HttpException ? error.getStatus() : 500);
      throw error;
    }
  }

  @Get(':flowId/runs/:runId')
  status(@Param('flowId') flowId: string, @Param('runId') runId: string, @Req() req: HookRequest) {
    return this.hooks.status(flowId, runId, tokenOf(req));
  }
}

function tokenOf(req: HookRequest): string {
  const header = req.headers['x-flowport-token'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = req.headers.authorization;
  const match = typeof auth === 'string' ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  if (match) return match[1];
  throw ApiError.unauthorized('Missing webhook token: send the flow\'s token as "Authorization: Bearer <token>" or "X-Flowport-Token: <token>"');
}
