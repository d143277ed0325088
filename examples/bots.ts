// Headless bots for the example arena (libs/rooms/src/example): they sign in with device ids,
// join (or create) an arena room, steer toward the coin at 20 Hz and print the scores.
//
//   npm start                       # a server on 127.0.0.1:7350
//   npm run example:bots            # 4 bots over UDP for 30 s
//   npm run example:bots -- --bots 8 --transport ws --seconds 60 --url http://127.0.0.1:7350 --server-key defaultkey
//   KAOS_LUA_DIR=scripts npm start, then: npm run example:bots -- --module lua_arena   # against the Lua arena
import { KaosClient, type KaosSocket } from '@kaosnet/client';
import { DeliveryClass } from '@kaosnet/transport';
import { ArenaOp, decodeArenaSnapshot, encodeArenaMove, type ArenaSnapshot } from '@kaosnet/rooms';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const url = arg('url', process.env['KAOS_URL'] ?? 'http://127.0.0.1:7350');
const serverKey = arg('server-key', process.env['KAOS_SERVER_KEY'] ?? 'defaultkey');
const bots = Number(arg('bots', '4'));
const seconds = Number(arg('seconds', '30'));
const transport = arg('transport', 'udp') as 'udp' | 'ws';
const matchModule = arg('module', 'arena');

interface Bot {
  name: string;
  socket: KaosSocket;
  ref: number;
  m: number;
  last?: ArenaSnapshot;
  wins: number;
}

async function findOrCreateArena(socket: KaosSocket): Promise<Record<string, unknown>> {
  const list = (await socket.listRooms({ limit: 100 }))['rooms'] as { roomId: string; size: number; maxPlayers: number; module?: string }[];
  const open = list.find((r) => r.module === matchModule && r.size < r.maxPlayers);
  if (open) return socket.joinRoom(open.roomId, { name: 'bot' });
  return socket.createRoom({ module: matchModule, maxPlayers: 16 });
}

async function startBot(i: number): Promise<Bot> {
  const client = new KaosClient({ baseUrl: url, serverKey });
  const auth = await client.authenticateDevice(`example-bot-${i}-device`, { username: `bot${i}` });
  const socket = await client.connect(auth, { transport });
  const snap = await findOrCreateArena(socket);
  const bot: Bot = { name: `bot${i}`, socket, ref: snap['ref'] as number, m: (snap['self'] as { m: number }).m, wins: 0 };
  socket.on('roomData', (e) => {
    if (e.ref !== bot.ref) return;
    if (e.gameOp === ArenaOp.SNAPSHOT) bot.last = decodeArenaSnapshot(e.data) ?? bot.last;
    if (e.gameOp === ArenaOp.ROUND_OVER && e.data.readUInt32LE(0) === bot.m) bot.wins++;
  });
  socket.on('roomLeave', (e) => console.log(`${bot.name}: left the arena (${String(e['reason'])})`));
  console.log(`${bot.name} joined arena ${String(snap['roomId'])} as m=${bot.m} over ${transport}`);
  return bot;
}

function steer(bot: Bot): void {
  const s = bot.last;
  const me = s?.players.find((p) => p.m === bot.m);
  if (!s || !me) return;
  // Mostly straight at the coin, with a little noise so bots do not move in lockstep.
  const jitter = () => (Math.random() < 0.1 ? Math.sign(Math.random() - 0.5) : 0);
  const dx = Math.abs(s.coin.x - me.x) < 1 ? 0 : Math.sign(s.coin.x - me.x);
  const dy = Math.abs(s.coin.y - me.y) < 1 ? 0 : Math.sign(s.coin.y - me.y);
  bot.socket.sendRoomData(bot.ref, ArenaOp.MOVE, encodeArenaMove(dx + jitter(), dy + jitter()), { delivery: DeliveryClass.US });
}

async function main(): Promise<void> {
  console.log(`KaosNet example bots: ${bots} bots → ${url} (${transport}) for ${seconds} s`);
  const all: Bot[] = [];
  for (let i = 1; i <= bots; i++) all.push(await startBot(i));
  const steering = setInterval(() => all.forEach(steer), 50); // 20 Hz, like the arena
  const report = setInterval(() => {
    const s = all[0]?.last;
    if (!s) return;
    const scores = s.players.map((p) => `m${p.m}:${p.score}`).join(' ');
    console.log(`tick ${s.tick}  coin (${s.coin.x.toFixed(0)}, ${s.coin.y.toFixed(0)})  scores ${scores}  rounds won ${all.map((b) => `${b.name}=${b.wins}`).join(' ')}`);
  }, 1000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(steering);
  clearInterval(report);
  await Promise.all(all.map((b) => b.socket.disconnect()));
  console.log('bots done');
}

main().catch((error: unknown) => {
  console.error(`bots failed: ${error instanceof Error ? error.message : String(error)} (is the server running at ${url}?)`);
  process.exit(1);
});
