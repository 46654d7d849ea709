/** Splits a comma- or whitespace-separated list typed into one text field (brokers, topics). */
export function splitList(text: string | undefined): string[] {
  return [...new Set((text ?? '').split(/[\s,]+/).map((item) => item.trim()).filter((item) => item.length > 0))];
}

// Kafka's own rules: topic names (kafka.common.internals.Topic) and host:port bootstrap addresses.
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
export const BROKER_ADDRESS = /^[^\s:/]+:\d{1,5}$/;
