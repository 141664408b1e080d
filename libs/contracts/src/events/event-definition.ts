import { z } from 'zod';
import type { Topic } from './topics';

/**
 * One event type at one version: its CloudEvents `type`, the topic it travels on, the runtime schema
 * of its payload (the TypeScript type is inferred from it) and how to derive the record key.
 */
export interface EventDefinition<TType extends string = string, TSchema extends z.ZodType = z.ZodType> {
  readonly type: TType;
  readonly topic: Topic;
  readonly summary: string;
  readonly schema: TSchema;
  /** The aggregate id: the Kafka record key and the CloudEvents `subject`. */
  readonly keyOf: (payload: z.infer<TSchema>) => string;
}

export function defineEvent<TType extends string, TSchema extends z.ZodType>(
  definition: EventDefinition<TType, TSchema>,
): EventDefinition<TType, TSchema> {
  return Object.freeze(definition);
}
