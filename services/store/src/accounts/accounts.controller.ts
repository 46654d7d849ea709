import { CurrentWorkspace, PageQueryDto, Roles } from '@flowport/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { AccountsService } from './accounts.service';

export class CreateAccountDto {
  @ApiProperty({ example: 'amazon-sqs' })
  @IsString()
  @IsNotEmpty()
  connector!: string;

  @ApiPropertyOptional({ description: "Account name in the connector's manifest; default the first" })
  @IsOptional()
  @IsString()
  account?: string;

  @ApiProperty({ example: 'Production AWS' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "Validated against the account's JSON Schema" })
  @IsObject()
  values!: Record<string, unknown>;
}

export class UpdateAccountDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Merged into the stored values; "********" keeps a secret, null removes a field' })
  @IsOptional()
  @IsObject()
  values?: Record<string, unknown>;
}

export class ListAccountsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  connector?: string;
}

@ApiTags('accounts')
@ApiBearerAuth()
@Roles('member')
@Controller('api/v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  create(@CurrentWorkspace() ws: { id: string }, @Body() body: CreateAccountDto) {
    return this.accounts.create(ws.id, body);
  }

  @Get()
  list(@CurrentWorkspace() ws: { id: string }, @Query() query: ListAccountsQueryDto) {
    return this.accounts.list(ws.id, query);
  }

  @Get(':id')
  get(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string) {
    return this.accounts.get(ws.id, id);
  }

  @Patch(':id')
  update(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string, @Body() body: UpdateAccountDto) {
    return this.accounts.update(ws.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string): Promise<void> {
    await this.accounts.remove(ws.id, id);
  }

  @Post(':id/test')
  @HttpCode(200)
  test(@CurrentWorkspace() ws: { id: string }, @Param('id') id: string) {
    return this.accounts.test(ws.id, id);
  }
}
