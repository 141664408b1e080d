/**
 * The baseline of the `POST /needs` figure, run as its own process by scripts/bench/post-needs.ts:
 * a bare `node:http` handler doing the store work intake does for a need, with the native `mongodb`
 * driver on the same MongoDB-wire server, and nothing else:
 *   parse the JSON body → look the enterprise up (by id, in the park) → insert the need document with
 *   its need-captured event staged in its outbox (`stageEvent`, which validates the payload against
 *   the contract, as intake's outbox does) → answer 201 with the stored need (outbox left out).
 * What it leaves out, and intake does: bearer-token verification, the Redis rate limit, request
 * validation (class-validator) and the need rules, logging, metrics, tracing, and publishing the
 * staged event (the outbox relay reads the need back, produces to Kafka and clears the outbox).
 * The park and broker come from the environment (BARE_PARK, BARE_BROKER), not from a token.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { MongoClient } from 'mongodb';
import { EVENT_SOURCES } from '@tt/contracts';
import { stageEvent } from '@tt/messaging';

const { MONGO_URL = 'mongodb://127.0.0.1:27018/?retryWrites=false', BARE_DB, BARE_PARK, BARE_BROKER = 'broker-bench', PORT } = process.env;
if (!BARE_DB || !BARE_PARK || !PORT) throw new Error('BARE_DB, BARE_PARK and PORT are required');

async function main() {
  const client = await new MongoClient(MONGO_URL).connect();
  const db = client.db(BARE_DB);
  const enterprises = db.collection<{ _id: string; parkId: string; name: string; regionCode: string; industryCode?: string }>('enterprises');
  const needs = db.collection<Record<string, unknown> & { _id: string }>('needs');

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  async function captureNeed(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let dto: any;
    try {
      dto = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { title: 'Bad Request', detail: 'body is not JSON' });
    }
    const enterprise = await enterprises.findOne({ _id: dto.enterpriseId, parkId: BARE_PARK });
    if (!enterprise) return send(res, 422, { title: 'Unprocessable Entity', detail: 'no enterprise with this id in your park' });
    const needId = randomUUID();
    const keywords = dto.keywords ?? [];
    const confidentiality = dto.confidentiality ?? 'park-only';
    const captured = stageEvent(
      'cn.techtransfer.need.captured.v1',
      {
        needId,
        enterpriseId: enterprise._id,
        enterpriseName: enterprise.name,
        parkId: BARE_PARK!,
        brokerId: BARE_BROKER,
        regionCode: enterprise.regionCode,
        ...(enterprise.industryCode ? { industryCode: enterprise.industryCode } : {}),
        title: dto.title,
        description: dto.description,
        category: dto.category,
        technicalField: dto.technicalField,
        keywords,
        ...(dto.budgetMinFen !== undefined ? { budgetMinFen: dto.budgetMinFen } : {}),
        ...(dto.budgetMaxFen !== undefined ? { budgetMaxFen: dto.budgetMaxFen } : {}),
        cooperationModes: dto.cooperationModes,
        confidentiality,
        capturedAt: new Date().toISOString(),
      },
      EVENT_SOURCES.intake,
    );
    const now = new Date();
    const need = {
      _id: needId,
      parkId: BARE_PARK!,
      enterpriseId: enterprise._id,
      brokerId: BARE_BROKER,
      title: dto.title,
      description: dto.description,
      category: dto.category,
      technicalField: dto.technicalField,
      keywords,
      budgetMinFen: dto.budgetMinFen,
      budgetMaxFen: dto.budgetMaxFen,
      cooperationModes: dto.cooperationModes,
      confidentiality,
      contact: { name: dto.contact?.name, phone: dto.contact?.phone, email: dto.contact?.email },
      status: 'open',
      version: 0,
      revision: 0,
      history: [{ status: 'open', at: now, cause: 'captured' }],
      outbox: [captured],
      createdAt: now,
      updatedAt: now,
    };
    await needs.insertOne(need);
    const { outbox: _outbox, _id, ...view } = need;
    send(res, 201, { id: _id, ...view });
  }

  const server = createServer((req, res) => {
    const url = req.url?.split('?')[0];
    if (req.method === 'POST' && url === '/needs') {
      captureNeed(req, res).catch((error: Error) => send(res, 500, { title: 'Internal Server Error', detail: error.message }));
    } else if (req.method === 'GET' && url === '/health') {
      send(res, 200, { status: 'ok' });
    } else {
      send(res, 404, { title: 'Not Found' });
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(PORT), '127.0.0.1');
  const stop = () => {
    server.close(() => void client.close().then(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
