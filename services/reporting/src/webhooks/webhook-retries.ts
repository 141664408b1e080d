/** 1 s, 2 s, 4 s, … capped: the wait before a failing subscription's next attempt. */
export const retryDelayMs = (attemptsMade: number, maxSeconds: number): number => Math.min(2 ** Math.max(0, attemptsMade - 1), maxSeconds) * 1000;
