import type { PacketCipher } from '../rudp/rudp-connection.types.js';

/** One connection's cipher: seal with this side's key, open with the peer's (§3.2). */
export function duplexCipher(send: PacketCipher, receive: PacketCipher): PacketCipher {
  const cipher: PacketCipher = {
    seal: (header, plaintext, pn) => send.seal(header, plaintext, pn),
    open: (header, body, pn) => receive.open(header, body, pn),
  };
  if (send.sealPacket !== undefined) {
    // One allocation per datagram instead of header + body + concat (hot path).
    cipher.sealPacket = (connId, pn, plaintext) => send.sealPacket!(connId, pn, plaintext);
  }
  if (receive.openPacket !== undefined) {
    cipher.openPacket = (datagram) => receive.openPacket!(datagram);
  }
  return cipher;
}
