/** ioredis options from REDIS_URL (BullMQ needs maxRetriesPerRequest: null for its blocking commands). */
export function redisConnection(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    db: Number(u.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}

/**
 * How many times a BullMQ job may be caught by a worker's death (kill -9, OOM, a lost Redis lock) and
 * still be re-run. BullMQ's default, 1, fails a job for good at its second stall: a job in flight when
 * two instances are killed in turn would be lost. Every worker here uses this.
 */
export const MAX_STALLED_COUNT = 5;
