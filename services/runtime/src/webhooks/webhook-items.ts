import { randomUUID } from 'node:crypto';
import { itemIdAt } from '../delivery/external-id';
import type { RecordItem } from '../delivery/run-recorder';
import type { JsonValue } from '../stream-message';
import { checkedExternalId, webhookExternalId } from './webhook-external-id';

/** How a connector webhook flow labels the items its trigger's `trigger.webhook` returns. */
export type WebhookItemLabelling = {
  /** The flow trigger's External ID (JSONata over one item); empty = the item's own id. */
  externalId?: string;
  /** The connector trigger's `webhook.itemIdPath`: where an item carries its own id. */
  itemIdPath?: string;
};

/** The call the items came from, as the External ID expression sees it. */
export type WebhookItemCall = { method: string; path: string; query: Record<string, string>; headers: Record<string, string> };

/** True when the flow de-duplicates its connector webhook items: it has an External ID or the trigger names its items' own id. */
export function deduplicatesItems(labelling: WebhookItemLabelling): boolean {
  return Boolean(labelling.externalId?.trim() || labelling.itemIdPath);
}

/**
 * The items of one connector webhook call as stream messages ready for the run recorder. Each
 * item's External ID is the flow's expression over `{ payload, headers, attributes, id }` (the
 * stream message shape: `attributes` = the call's method, path and query; `id` = the item's own
 * id or null), or with an empty expression the item's own id at the trigger's `itemIdPath`.
 * Nothing, null or "" = the item is not de-duplicated (null External ID, always accepted), as a
 * platform webhook call; an expression that fails or gives a list/object refuses the whole call
 * (422 EXTERNAL_ID_INVALID naming the item), so nothing of it is recorded.
 */
export async function webhookItems(payloads: JsonValue[], labelling: WebhookItemLabelling, call: WebhookItemCall): Promise<RecordItem[]> {
  const callId = randomUUID();
  const expression = labelling.externalId?.trim();
  const attributes: Record<string, JsonValue> = { method: call.method, path: call.path, query: call.query };
  return Promise.all(
    payloads.map(async (payload, i) => {
      const ownId = labelling.itemIdPath ? itemIdAt(payload, labelling.itemIdPath) : null;
      const subject = { name: `item ${i + 1} of this call`, example: labelling.itemIdPath ? `payload.${labelling.itemIdPath}` : 'payload.id' };
      const externalId = expression
        ? await webhookExternalId(expression, { payload, headers: call.headers, attributes, id: ownId }, subject)
        : ownId === null
          ? null
          : checkedExternalId(ownId, subject);
      return { messageId: ownId ?? `webhook:${callId}/${i + 1}`, externalId, payload };
    }),
  );
}
