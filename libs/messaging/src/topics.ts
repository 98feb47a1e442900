/**
 * Prepends `MQTT_TOPIC_PREFIX` (if any) to a topic, so several installations, or test runs, can share a broker.
 * Shared-subscription prefixes stay in front: `$share/ingest/tonypi/#` → `$share/ingest/site-a/tonypi/#`.
 */
export function prefixTopic(prefix: string, topic: string): string {
  if (!prefix) return topic;
  const shared = /^(\$share\/[^/]+\/)(.*)$/.exec(topic);
  return shared ? `${shared[1]}${prefix}/${shared[2]}` : `${prefix}/${topic}`;
}

/** The inverse of {@link prefixTopic} for a received topic; undefined when it lies outside the prefix. */
export function unprefixTopic(prefix: string, topic: string): string | undefined {
  if (!prefix) return topic;
  return topic.startsWith(`${prefix}/`) ? topic.slice(prefix.length + 1) : undefined;
}
