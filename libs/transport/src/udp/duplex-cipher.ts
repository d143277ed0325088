import type { PacketCipher } from '../rudp/rudp-connection.types.js';

/** One connection's cipher: seal with this side's key, open with the peer's (§3.2). */
export function duplexCipher(send: PacketCipher, receive: PacketCipher): PacketCipher {
  return {
    seal: (header, plaintext, pn) => send.seal(header, plaintext, pn),
    open: (header, body, pn) => receive.open(header, body, pn),
  };
}
