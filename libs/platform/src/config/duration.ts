const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * A wait from configuration, as brokers' managers state it: `7d`, `36h`, `90m`, `5s`. Returns seconds;
 * throws on anything else, so a typo stops the service at start rather than never reminding anyone.
 */
export function parseDuration(text: string, name = 'duration'): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new Error(`invalid configuration: ${name} must be a positive duration such as 7d, 36h, 90m or 5s (got "${text}")`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}
