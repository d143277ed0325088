import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The conformance index: every statement KT-1 … KT-60 of the KaosTalk spec (§9) must be checked by
 * at least one test whose name carries its number ("KT-27 a valid HELLO → …"). A test named
 * "KT-n codec part" / "KT-n (transport part)" only checks a piece of the statement and does not
 * count on its own. Skipped, todo and failing-marked tests never count.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCANNED = ['libs', 'apps', 'test'];
const SPEC_FILE = /\.(spec|e2e-spec|int-spec)\.ts$/;
const SELF = relative(ROOT, fileURLToPath(import.meta.url));

/** §9 of ../shared/spec/kaostalk.md, one line each (the spec's wording, shortened). */
export const KT_STATEMENTS: Readonly<Record<number, string>> = {
  1: 'server message = op, len u16 LE, payload of len; op 0x00 never sent',
  2: 'WS message with k messages processed as k, in order',
  3: 'WS message ending inside header/payload → 1002, none processed; text → 1003',
  4: 'control payload not a JSON object → BAD_REQUEST with op; session usable',
  5: 'exactly one reply per control request, cid byte for byte',
  6: 'request without valid cid → BAD_REQUEST without cid',
  7: 'reserved / unhandled op → UNKNOWN_OP with that op',
  8: 'S→C-only op from a client → BAD_REQUEST',
  9: 'RUDP op before SessionStart → UNAUTHORIZED; second SessionStart → CONFLICT',
  10: 'Heartbeat 8 B → 16 B echo; 0 B → none; else BAD_REQUEST',
  11: 'Error code is one of the ten',
  12: 'relay RoomData reaches every other member with recipient ref, sender m, same data; not the sender',
  13: 'RoomData with targets reaches only the listed members',
  14: 'RoomData with unknown ref → no Error, no delivery',
  15: 'US/U RoomData data > 1,087 B → TOO_LARGE',
  16: 'control ops beyond the rate limit → RATE_LIMITED with retryAfterMs',
  17: '> 50 Errors in 10 s → SessionEnd, close',
  18: 'control op on an RUDP channel ≠ 0 → BAD_REQUEST, not processed',
  19: 'WS upgrade without kaostalk.v1 refused',
  20: 'WS first message not SessionStart with valid token → 4401, nothing received',
  21: 'WS no first message within 5 s → 4408',
  22: 'WS token used / expired / tampered / other protocol_id → 4401',
  23: 'wsAllowQueryToken off: ?token= alone does not authenticate',
  24: 'WS not reading: US/U shed, reliable not',
  25: 'HELLO/RESPONSE size ≠ 1,200 → silence',
  26: 'HELLO with expired / unknown key / tampered / other protocol / other server token or bad mac → silence',
  27: 'valid HELLO → exactly one 73-B CHALLENGE with valid MAC',
  28: 'unvalidated address: bytes sent ≤ bytes received',
  29: 'RESPONSE with old cookie, other address, altered nonce, bad mac → silence',
  30: 'no per-HELLO state: RESPONSE accepted after 1,000 HELLOs and a secret rotation',
  31: 'valid RESPONSE → DATA pn 0,1,… with WELCOME until client DATA, then none',
  32: 'duplicate RESPONSE while PENDING → WELCOME again, same conn_id',
  33: 'same token, non-resume RESPONSE from another address → silence',
  34: 'server full → DENIED 34 B reason 1; never for a HELLO',
  35: 'HELLOs from one IP above 10/s (burst 20) get no CHALLENGE',
  36: 'no server datagram exceeds 1,200 B',
  37: 'S→C DATA: 0x40, conn_id, opens with K_s2c, nonce 01 00 00 00 ‖ pn, AAD header',
  38: 'server pns start at 0, +1 per packet, retransmissions included',
  39: 'replayed DATA has no effect',
  40: 'bit-flipped DATA dropped without CLOSE',
  41: 'forged far pn does not block; pn ≤ largest − 1,024 dropped; unknown conn_id silent',
  42: 'ACK within 25 ms + delay after an ack-eliciting packet',
  43: 'ACK fields exactly describe received pns',
  44: 'no ACK-only packet in reply to an ACK-only packet',
  45: 'reliable data in a dropped packet resent with a new pn; RO order kept',
  46: 'no acks → probes after ~1 PTO, doubling, capped at 2 s',
  47: 'before the first ACK ≤ max(12,000, minSendRate·srtt) in flight',
  48: 'never above maxSendRate per connection over 1 s',
  49: 'an unreliable message never in two packets',
  50: '65,535-B payload in 60 FRAG frames of 1,100 B (last 638)',
  51: 'bad FRAG / too many frames / unknown frame / bad ACK → CLOSE PROTOCOL_ERROR',
  52: 'same-turn messages share packets (20 events in ≤ 2 packets)',
  53: 'silent client gets PING after 2 × keepalive; server stops after idle timeout',
  54: 'SessionEnd → SessionEnd same cid, CLOSE(NORMAL) ×3; room members see the leave at once',
  55: 'after client CLOSE nothing more is sent; session ends without grace',
  56: 'resume within grace: resumed = 1, reliable messages exactly once in order, no SessionStart',
  57: 'resume after grace: resumed = 0; old rooms saw the leave',
  58: 'source-port change → PATH_CHALLENGE, ≤ 3× bytes until PATH_RESPONSE, continues',
  59: 'reliable backlog > 524,288 B → SessionEnd overflow, CLOSE(OVERFLOW)',
  60: 'second non-resume connection for a session → replaced, CLOSE(REPLACED) / 4409',
};

export interface NamedTest {
  file: string;
  name: string;
  numbers: number[];
  partial: boolean;
}

function specFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) specFiles(path, out);
    else if (SPEC_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/** Test and describe names of a file (string literals only), minus skipped, todo and failing ones. */
export function testNames(source: string): string[] {
  const names: string[] = [];
  const call = /(?<![\w.$])(x?it|x?test|x?describe|fit|fdescribe)((?:\.(?:each|only|skip|todo|failing|concurrent))*)(\s*\([^)]*\))?\s*\(\s*(['"`])((?:\\.|(?!\4)[\s\S])*?)\4/g;
  for (const m of source.matchAll(call)) {
    const [, fn, modifiers] = m;
    if (fn!.startsWith('x') || /\.(skip|todo|failing)/.test(modifiers ?? '')) continue;
    names.push(m[5]!);
  }
  return names;
}

export function indexTests(root = ROOT): NamedTest[] {
  const tests: NamedTest[] = [];
  for (const top of SCANNED) {
    const dir = join(root, top);
    if (!existsSync(dir)) continue;
    for (const file of specFiles(dir)) {
      const rel = relative(root, file);
      if (rel === SELF) continue;
      for (const name of testNames(readFileSync(file, 'utf8'))) {
        const numbers = [...name.matchAll(/\bKT-(\d+)\b/g)].map((x) => Number(x[1]));
        if (numbers.length === 0) continue;
        tests.push({ file: rel, name, numbers, partial: /\b(codec|transport) part\b/.test(name) });
      }
    }
  }
  return tests;
}

describe('KaosTalk conformance index (§9)', () => {
  const tests = indexTests();

  it('lists the 60 statements of §9 of the spec', () => {
    const spec = resolve(ROOT, '../shared/spec/kaostalk.md');
    const numbers = Object.keys(KT_STATEMENTS).map(Number);
    expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // When the spec sits beside the repository (as in the team checkout), check it still agrees.
    if (existsSync(spec)) {
      const inSpec = [...readFileSync(spec, 'utf8').matchAll(/^\* KT-(\d+) \(/gm)].map((m) => Number(m[1]));
      expect(inSpec).toEqual(numbers);
    }
  });

  it('finds KT-numbered test names only for statements that exist', () => {
    const unknown = tests.flatMap((t) => t.numbers.filter((n) => !(n in KT_STATEMENTS)).map((n) => `KT-${n} in ${t.file}: ${t.name}`));
    expect(unknown).toEqual([]);
  });

  it('has at least one full test named with the number of every statement KT-1 … KT-60', () => {
    const missing: string[] = [];
    for (const n of Object.keys(KT_STATEMENTS).map(Number)) {
      const full = tests.filter((t) => t.numbers.includes(n) && !t.partial);
      if (full.length === 0) missing.push(`KT-${n}: ${KT_STATEMENTS[n]}`);
    }
    expect(missing).toEqual([]);
  });

  it('recognises names, modifiers and partial markers', () => {
    const src = [
      "it('KT-1 a', () => {});",
      'it.each([1, 2])("KT-2 b %s", () => {});',
      "it.skip('KT-3 skipped', () => {});",
      "it.failing('KT-4 failing', () => {});",
      'describe(`KT-5 c`, () => {});',
      "it('KT-6 codec part: d', () => {});",
      "xit('KT-7 x', () => {});",
    ].join('\n');
    expect(testNames(src)).toEqual(['KT-1 a', 'KT-2 b %s', 'KT-5 c', 'KT-6 codec part: d']);
  });
});
