import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ApiError } from '../errors/api-error';

/** `?limit&cursor`; extend it for list endpoints with filters. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page\'s nextCursor' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, guard: (v: unknown) => v is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (guard(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw ApiError.badRequest('cursor is not valid: pass the nextCursor of the previous page unchanged', [{ path: 'cursor', message: 'invalid cursor' }], 'INVALID_CURSOR');
}

const isKeysetCursor = (v: unknown): v is [string | number, string] =>
  Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'string';

/**
 * Keyset pagination on (sortColumn, idColumn) ascending: stable under inserts, unlike offsets.
 * `sortColumn`/`idColumn` are `alias.column` expressions; `sortValue`/`idValue` read the same
 * fields back from an entity so the cursor can be built from the last item.
 */
export async function paginateQuery<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  query: PageQueryDto,
  keys: { sortColumn: string; idColumn: string; sortValue: (e: E) => string | number; idValue: (e: E) => string },
): Promise<Page<E>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (query.cursor) {
    const [sort, id] = decodeCursor(query.cursor, isKeysetCursor);
    qb.andWhere(`(${keys.sortColumn}, ${keys.idColumn}) > (:__sort, :__id)`, { __sort: sort, __id: id });
  }
  const rows = await qb.orderBy(keys.sortColumn, 'ASC').addOrderBy(keys.idColumn, 'ASC').take(limit + 1).getMany();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([keys.sortValue(last), keys.idValue(last)]) : null };
}

const isOffsetCursor = (v: unknown): v is { o: number } =>
  typeof v === 'object' && v !== null && Number.isInteger((v as { o: unknown }).o) && (v as { o: number }).o >= 0;

/** Pages a list computed in memory (e.g. triggers flattened from manifests). */
export function paginateArray<T>(all: T[], query: PageQueryDto): Page<T> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const offset = query.cursor ? decodeCursor(query.cursor, isOffsetCursor).o : 0;
  const items = all.slice(offset, offset + limit);
  return { items, nextCursor: offset + limit < all.length ? encodeCursor({ o: offset + limit }) : null };
}

export function mapPage<T, U>(page: Page<T>, fn: (item: T) => U): Page<U> {
  return { items: page.items.map(fn), nextCursor: page.nextCursor };
}
