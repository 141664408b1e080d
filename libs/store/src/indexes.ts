import type { Connection } from 'mongoose';

/**
 * Waits until every model of the connection has built its indexes. Mongoose builds them in the
 * background once a model is compiled; a service must not take a request or an event before they
 * exist, or a unique index (one enterprise per credit code and park, one deal per proposal) is not
 * there to refuse the duplicate that then keeps it from ever being built.
 */
export async function indexesBuilt(connection: Connection): Promise<void> {
  await Promise.all(connection.modelNames().map((name) => connection.model(name).init()));
}
