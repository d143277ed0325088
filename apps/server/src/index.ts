/** Public surface for game developers starting KaosNet from their own main.ts. */
export { ServerBuilder } from './server-builder.js';
export { KaosServer, type KaosServerAddresses, type KaosServerOptions } from './kaos-server.js';
