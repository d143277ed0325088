/** DI token for the resolved TransportOptions. */
export const TRANSPORT_OPTIONS = Symbol.for('kaosnet.transport.options');
