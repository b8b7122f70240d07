// How the worker signs the ack links of its messages (the intake verifies them with the same secret): the
// settings the worker's configuration makes of ACK_LINK_BASE, ACK_SECRET[_FILE] and ACK_LINK_TTL (src/config/ack-links.ts).
export interface AckLinkSettings {
  /** ACK_LINK_BASE: the intake's public URL, without a trailing slash (links are `<base>/ack/<token>`). */
  base: string;
  /** ACK_LINK_TTL (7d): a link works until the delivery's receivedAt + this (so every attempt sends the same link). */
  ttlMs: number;
  /** ACK_SECRET or ACK_SECRET_FILE (>= 32 bytes). Not enumerable: a logged or serialised config does not show it. */
  readonly secret: Buffer;
}
