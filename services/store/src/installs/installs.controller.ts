import { CurrentWorkspace, PageQueryDto, Roles } from '@flowport/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { InstallsService } from './installs.service';

export class CreateInstallDto {
  @ApiProperty({ example: 'amazon-sqs' })
  @IsString()
  @IsNotEmpty()
  connector!: string;

  @ApiPropertyOptional({ description: 'Default: the latest version that is neither deprecated nor yanked' })
  @IsOptional()
  @IsString()
  version?: string;
}

export class UpdateInstallDto {
  @ApiPropertyOptional({ description: 'Default: the latest version that is neither deprecated nor yanked' })
  @IsOptional()
  @IsString()
  version?: string;
}

@ApiTags('installs')
@ApiBearerAuth()
@Roles('member')
@Controller('api/v1/installs')
export class InstallsController {
  constructor(private readonly installs: InstallsService) {}

  @Post()
  create(@CurrentWorkspace() ws: { id: string }, @Body() body: CreateInstallDto) {
    return this.installs.install(ws.id, body.connector, body.version);
  }

  @Get()
  list(@CurrentWorkspace() ws: { id: string }, @Query() query: PageQueryDto) {
    return this.installs.list(ws.id, query);
  }

  @Get(':connector')
  get(@CurrentWorkspace() ws: { id: string }, @Param('connector') connector: string) {
    return this.installs.get(ws.id, connector);
  }

  @Patch(':connector')
  update(@CurrentWorkspace() ws: { id: string }, @Param('connector') connector: string, @Body() body: UpdateInstallDto) {
    return this.installs.changeVersion(ws.id, connector, body.version);
  }

  @Delete(':connector')
  @HttpCode(204)
  async remove(@CurrentWorkspace() ws: { id: string }, @Param('connector') connector: string): Promise<void> {
    await this.installs.uninstall(ws.id, connector);
  }
}
