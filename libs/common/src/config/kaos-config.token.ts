/** DI token under which the resolved `KaosConfig` is provided. */
export const KAOS_CONFIG = Symbol.for('kaosnet.config');
