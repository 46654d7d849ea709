import { CurrentAuth, CurrentWorkspace, Roles } from '@flowport/core';
import type { AuthContext } from '@flowport/core';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ListConnectorsQueryDto, PublishVersionDto, RegisterPublisherKeyDto } from './dto/registry.dto';
import { RegistryService } from './registry.service';

interface BundleResponse {
  status(code: number): BundleResponse;
  setHeader(name: string, value: string): void;
  send(body?: string): void;
  end(): void;
}

@ApiTags('registry')
@ApiBearerAuth()
@Controller('api/v1/registry')
export class RegistryController {
  constructor(private readonly registry: RegistryService) {}

  /** Publishes one version; needs the developer role. */
  @Post('connectors')
  @Roles('developer')
  publish(@CurrentAuth() auth: AuthContext, @Body() body: PublishVersionDto) {
    return this.registry.publish(auth, body);
  }

  @Get('connectors')
  list(@Query() query: ListConnectorsQueryDto) {
    return this.registry.list(query);
  }

  @Get('connectors/:name')
  get(@Param('name') name: string) {
    return this.registry.getConnector(name);
  }

  @Get('connectors/:name/versions/:version')
  version(@Param('name') name: string, @Param('version') version: string) {
    return this.registry.getVersion(name, version);
  }

  /** The bundle script; ETag is its integrity, so clients cache by content. */
  @Get('connectors/:name/versions/:version/bundle')
  async bundle(
    @Param('name') name: string,
    @Param('version') version: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: BundleResponse,
  ): Promise<void> {
    const { code, integrity } = await this.registry.getBundle(name, version);
    const etag = `"${integrity}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    const tags = (ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes(etag) || tags.includes('*')) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.status(200).send(code);
  }

  @Post('connectors/:name/versions/:version/deprecate')
  @Roles('developer')
  @HttpCode(200)
  deprecate(@CurrentAuth() auth: AuthContext, @Param('name') name: string, @Param('version') version: string) {
    return this.registry.setFlag(auth, name, version, 'deprecated');
  }

  @Post('connectors/:name/versions/:version/yank')
  @Roles('developer')
  @HttpCode(200)
  yank(@CurrentAuth() auth: AuthContext, @Param('name') name: string, @Param('version') version: string) {
    return this.registry.setFlag(auth, name, version, 'yanked');
  }

  @Post('keys')
  @Roles('developer')
  registerKey(@CurrentWorkspace() workspace: { id: string }, @Body() body: RegisterPublisherKeyDto) {
    return this.registry.registerKey(workspace.id, body);
  }

  @Get('keys')
  @Roles('developer')
  listKeys(@CurrentWorkspace() workspace: { id: string }) {
    return this.registry.listKeys(workspace.id);
  }
}
