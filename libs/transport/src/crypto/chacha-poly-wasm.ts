/**
 * ChaCha20-Poly1305 (RFC 8439 §2.8) in WebAssembly: the module built from
 * `libs/transport/assembly/chacha-poly.ts` (see there for why it exists and how it stays constant
 * time). One call per seal or open, taking only lengths; key, nonce, AAD and text are copied into
 * fixed regions of the module's memory, which is one page that never grows.
 *
 * Instantiated synchronously once per process. The module uses WebAssembly SIMD; where the engine
 * lacks it (or WebAssembly itself), {@link WasmChaChaPoly.load} returns null and the AEAD backend
 * selection moves on to libsodium, then node:crypto.
 */
import { Buffer } from 'node:buffer';
import { copyInto } from '../codec/le-bytes.js';
import { CHACHA_POLY_WASM_BASE64 } from './chacha-poly.wasm.js';

/** The layout the JS side relies on; {@link WasmChaChaPoly.load} refuses a module that differs. */
const LAYOUT = { KEY: 0, NONCE: 32, AAD: 128, AAD_MAX: 128, DATA: 1024, DATA_MAX: 2048 } as const;
const TAG = 16;
/** `open` copies the whole packet so its body lands at DATA; the header bytes before it land in unused memory. */
const MAX_IN_PLACE_OFFSET = LAYOUT.DATA - 512;

export const WASM_MAX_AAD = LAYOUT.AAD_MAX;
export const WASM_MAX_PLAINTEXT = LAYOUT.DATA_MAX - TAG;

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmGlobal {
  readonly value: unknown;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmJsApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Global: abstract new (...args: never[]) => WasmGlobal;
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmJsApi }).WebAssembly;

interface ChaChaPolyExports {
  readonly memory: WasmMemory;
  seal(textLength: number, aadLength: number): void;
  open(textLength: number, aadLength: number): number;
  sealPacket(textLength: number, connId: number, pn: number, direction: number): void;
  openPacket(textLength: number, direction: number): number;
}

/** A DATA packet's 9-byte header (spec §3.2) sits right before the body at DATA. */
const PACKET = LAYOUT.DATA - 9;

function layoutMatches(api: WasmJsApi, exports: Record<string, unknown>): boolean {
  for (const [name, value] of Object.entries(LAYOUT)) {
    const g = exports[name];
    if (!(g instanceof api.Global) || g.value !== value) {
      return false;
    }
  }
  const memory = exports.memory;
  const calls = ['seal', 'open', 'sealPacket', 'openPacket'].every((name) => typeof exports[name] === 'function');
  return memory instanceof api.Memory && memory.buffer.byteLength === 65_536 && calls;
}

/**
 * One per process: nothing carries over from one call to the next (the module wipes the keystream,
 * the one-time key and the Poly1305 state before returning; the last key, nonce and text stay in
 * its memory until the next call overwrites them, as the connection's key stays in the JS heap).
 * Calls are synchronous and never re-enter, so no two of them share the regions at once.
 */
export class WasmChaChaPoly {
  readonly #mem: Uint8Array;
  // Taken off the exports object once; calls through a field skip a property lookup per packet.
  readonly #seal: ChaChaPolyExports['seal'];
  readonly #open: ChaChaPolyExports['open'];
  readonly #sealPacket: ChaChaPolyExports['sealPacket'];
  readonly #openPacket: ChaChaPolyExports['openPacket'];
  /** View of `PACKET … PACKET + #packetViewLength`, cached like `#view`. */
  #packetView: Uint8Array = new Uint8Array(0);
  #packetViewLength = -1;
  /** View of `DATA … DATA + #viewLength`: a steady stream of one size reuses it. */
  #view: Uint8Array = new Uint8Array(0);
  #viewLength = -1;

  private constructor(exports: ChaChaPolyExports) {
    this.#mem = new Uint8Array(exports.memory.buffer);
    this.#seal = exports.seal;
    this.#open = exports.open;
    this.#sealPacket = exports.sealPacket;
    this.#openPacket = exports.openPacket;
  }

  /** The module, or null when this engine cannot compile it (no WebAssembly or no SIMD). */
  static load(bytes: Uint8Array = Buffer.from(CHACHA_POLY_WASM_BASE64, 'base64')): WasmChaChaPoly | null {
    if (wasmApi === undefined) {
      return null;
    }
    try {
      const instance = new wasmApi.Instance(new wasmApi.Module(bytes), {});
      return layoutMatches(wasmApi, instance.exports) ? new WasmChaChaPoly(instance.exports as unknown as ChaChaPolyExports) : null;
    } catch {
      return null;
    }
  }

  /** Whether a message of these sizes fits the module's regions. */
  static fits(plaintextLength: number, aadLength: number): boolean {
    return plaintextLength <= WASM_MAX_PLAINTEXT && aadLength <= WASM_MAX_AAD;
  }

  /** Writes ciphertext ‖ tag into `out` at `outOffset`; the caller checked sizes ({@link fits}, `out`, nonce, key). */
  seal(out: Uint8Array, outOffset: number, plaintext: Uint8Array, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): void {
    const n = plaintext.length;
    const mem = this.#mem;
    copyInto(mem, key, LAYOUT.KEY);
    copyInto(mem, nonce, LAYOUT.NONCE);
    copyInto(mem, aad, LAYOUT.AAD);
    copyInto(mem, plaintext, LAYOUT.DATA);
    this.#seal(n, aad.length);
    copyInto(out, this.#data(n + TAG), outOffset);
  }

  /** Plaintext of the ciphertext ‖ tag at `packet[offset…]` in a new buffer, or null when the tag does not verify. */
  open(packet: Uint8Array, offset: number, aad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null {
    const n = packet.length - offset - TAG;
    const mem = this.#mem;
    if (offset <= MAX_IN_PLACE_OFFSET) {
      copyInto(mem, packet, LAYOUT.DATA - offset); // one copy; no view of the body needed
    } else {
      copyInto(mem, packet.subarray(offset), LAYOUT.DATA);
    }
    copyInto(mem, key, LAYOUT.KEY);
    copyInto(mem, nonce, LAYOUT.NONCE);
    copyInto(mem, aad, LAYOUT.AAD);
    if (this.#open(n, aad.length) !== 1) {
      return null;
    }
    const pt = Buffer.allocUnsafe(n);
    copyInto(pt, this.#data(n), 0);
    return pt;
  }

  /**
   * A whole DATA packet (spec §3.2) into `out` (`9 + plaintext.length + 16` bytes): header 0x40 ‖
   * conn_id ‖ pn, then ciphertext ‖ tag under that header as AAD and the nonce of `direction` and
   * `pn`. Three copies (key, plaintext, packet) where {@link seal} needs the AAD and nonce too.
   * The caller checked sizes (plaintext ≤ {@link WASM_MAX_PLAINTEXT}, `out`, key) and that
   * `connId`, `pn` are u32 and `direction` a byte.
   */
  sealPacket(out: Uint8Array, connId: number, pn: number, direction: number, plaintext: Uint8Array, key: Uint8Array): void {
    const n = plaintext.length;
    const mem = this.#mem;
    copyInto(mem, key, LAYOUT.KEY);
    copyInto(mem, plaintext, LAYOUT.DATA);
    this.#sealPacket(n, connId, pn, direction);
    const length = 9 + n + TAG;
    if (length !== this.#packetViewLength) {
      this.#packetView = mem.subarray(PACKET, PACKET + length);
      this.#packetViewLength = length;
    }
    copyInto(out, this.#packetView, 0);
  }

  /**
   * Plaintext of a whole DATA packet (header as AAD, pn from it), or null when it does not
   * authenticate. The caller checked its size (26 B up to 9 + {@link WASM_MAX_PLAINTEXT} + 16) and key.
   */
  openPacket(packet: Uint8Array, direction: number, key: Uint8Array): Buffer | null {
    const n = packet.length - 9 - TAG;
    const mem = this.#mem;
    copyInto(mem, packet, PACKET);
    copyInto(mem, key, LAYOUT.KEY);
    if (this.#openPacket(n, direction) !== 1) {
      return null;
    }
    const pt = Buffer.allocUnsafe(n);
    copyInto(pt, this.#data(n), 0);
    return pt;
  }

  #data(length: number): Uint8Array {
    if (length !== this.#viewLength) {
      this.#view = this.#mem.subarray(LAYOUT.DATA, LAYOUT.DATA + length);
      this.#viewLength = length;
    }
    return this.#view;
  }
}
