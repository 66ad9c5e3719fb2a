// Idempotency keys for capture, void and refund. A confirmation dialog makes one key when it
// opens and sends it with its request: the core answers the same key again with the first
// request's result and sends nothing new to Dintero, so a double press, or a retry after a lost
// answer, can never capture or refund twice. A dialog opened anew is a new request: new key.

type CryptoLike = {
  randomUUID?: () => string;
  getRandomValues?: (array: Uint8Array) => unknown;
};

/** A random UUID v4 from `bytes` (16 random bytes). */
function uuidFromBytes(bytes: Uint8Array): string {
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A new idempotency key: `crypto.randomUUID()` where there is one (it needs a secure context,
 * which the Tauri webview is but a dev server on a LAN address is not), else a v4 UUID from
 * `crypto.getRandomValues`, else (no Web Crypto at all) one from Math.random and the clock,
 * still unique enough to tell one press from the next at one counter.
 */
export function newIdempotencyKey(c: CryptoLike | undefined = (globalThis as { crypto?: CryptoLike }).crypto): string {
  if (typeof c?.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // Not a secure context: fall through.
    }
  }
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') {
    c.getRandomValues(bytes);
  } else {
    let t = Date.now();
    for (let i = 0; i < 16; i++) {
      bytes[i] = (Math.floor(Math.random() * 256) ^ t) & 0xff;
      t = Math.floor(t / 256);
    }
  }
  return uuidFromBytes(bytes);
}
