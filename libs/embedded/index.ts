export { freePort, isPortOpen } from './free-port';
export {
  startEmbeddedPostgres,
  DEFAULT_PERSISTENT_PORT,
  type EmbeddedPostgresOptions,
  type ManagedService,
} from './embedded-postgres';
export { ensureRedis, type EnsureRedisOptions } from './local-redis';
