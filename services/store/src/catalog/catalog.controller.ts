import { CurrentWorkspace, PageQueryDto } from '@flowport/core';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { CatalogService } from './catalog.service';

export class StoreConnectorsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Text in name, display name or description' })
  @IsOptional()
  @IsString()
  q?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  category?: string;
}

export class StoreTriggersQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  q?: string;

  @ApiPropertyOptional({ enum: ['stream', 'pooling', 'webhook'] })
  @IsOptional()
  @IsIn(['stream', 'pooling', 'webhook'], { message: 'kind must be one of stream, pooling, webhook' })
  kind?: string;

  @ApiPropertyOptional({ description: 'Connector name' })
  @IsOptional()
  @IsString()
  connector?: string;
}

@ApiTags('store')
@ApiBearerAuth()
@Controller('api/v1/store')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get('connectors')
  connectors(@CurrentWorkspace() ws: { id: string }, @Query() query: StoreConnectorsQueryDto) {
    return this.catalog.connectors(ws.id, query);
  }

  @Get('triggers')
  triggers(@Query() query: StoreTriggersQueryDto) {
    return this.catalog.triggers(query);
  }
}
