import { KaosClient } from './kaos-client.js';
import { KaosSocket } from './kaos-socket.js';
import { UdpSocketTransport } from './udp-transport.js';

// Node entry: makes `client.connect(auth)` default to UDP. Browser bundles leave this file out.
KaosClient.udpConnector = async (client, auth, info, options) => {
  const transport = await UdpSocketTransport.connect(info, { refreshConnectInfo: () => client.requestConnect(auth), limits: options.udpLimits });
  const socket = new KaosSocket(transport);
  try {
    // RUDP carries the token in the handshake: SessionStart has no token (§2.4).
    await socket.start(undefined, { client: options.client, lang: options.lang });
  } catch (error) {
    socket.close();
    throw error;
  }
  return socket;
};
