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
