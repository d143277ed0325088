import { describe, it, expect } from '@jest/globals';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { UdpLinkProxy } from './udp-link-proxy.js';

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

describe(UdpLinkProxy.name, () => {
  it('relays both ways on loopback with the conditioner applied, and closes cleanly', async () => {
    const server = await bound();
    server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
    const sut = new UdpLinkProxy({
      target: { address: '127.0.0.1', port: server.address().port },
      upstream: { lossRate: 0.5, delayMs: 2 },
      downstream: { delayMs: 2 },
      seed: 4,
      maxLifetimeMs: 10_000,
    });
    const port = await sut.start();
    const client = await bound();
    const echoed: string[] = [];
    const allDone = new Promise<void>((resolve) => {
      client.on('message', (msg) => {
        echoed.push(msg.toString());
        if (echoed.length === 100 - sut.upstreamStats.lost) {
          resolve();
        }
      });
    });
    for (let i = 0; i < 100; i++) {
      client.send(Buffer.from(`m${i}`), port, '127.0.0.1');
    }
    await allDone;
    expect(sut.upstreamStats.offered).toBe(100);
    expect(sut.upstreamStats.lost).toBeGreaterThan(30);
    expect(echoed.length).toBe(100 - sut.upstreamStats.lost);
    await sut.close();
    client.close();
    server.close();
  });

  it('only targets loopback, and a refused target leaves no socket open', () => {
    const udpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
    const before = udpHandles();
    expect(() => new UdpLinkProxy({ target: { address: '10.0.0.1', port: 1 }, seed: 1 })).toThrow(RangeError);
    expect(udpHandles()).toBe(before);
  });
});
