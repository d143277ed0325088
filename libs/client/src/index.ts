// @kaosnet/client: the TypeScript SDK used by games, bots, e2e tests and benchmarks.
export * from './client-errors.js';
export * from './socket-transport.js';
export * from './ws-transport.js';
export * from './kaos-socket.js';
export * from './kaos-client.js';
export * from './udp-transport.js';
import './udp-register.js';
export * from './kaostalk-client.proxy.js';
