import { applyDecorators, Controller, Get, Headers, HttpStatus, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { Request, Response } from 'express';
import { CurrentPrincipal, invalid, type Principal } from '@tt/platform';
import { AnalystEventsService, ANALYST_EVENT_TYPES, publicEvent, type EventFilter } from './analyst-events.service';

const commaList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value);

export class EventFilterQuery {
  @ApiPropertyOptional({ description: 'Comma-separated event types (default: every deal event type)', example: 'cn.techtransfer.transaction.logged.v2' })
  @IsOptional()
  @Transform(commaList)
  @ArrayMaxSize(ANALYST_EVENT_TYPES.length)
  @IsIn(ANALYST_EVENT_TYPES, { each: true })
  types?: string[];

  @ApiPropertyOptional({ description: 'Analysts: narrow to one park (brokers always see their own park)', pattern: '^[A-Za-z0-9_-]{1,64}$' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  parkId?: string;
}

/** A position in the event log (`id` of an event, `next` of a page). */
const LogPosition = (description: string) =>
  applyDecorators(ApiPropertyOptional({ description, minimum: 0, type: 'integer' }), IsOptional(), Type(() => Number), IsInt(), Min(0), Max(Number.MAX_SAFE_INTEGER));

export class EventsPageQuery extends EventFilterQuery {
  @LogPosition('The cursor: `next` of the previous page (0 or absent: from the start)')
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100, type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class EventStreamQuery extends EventFilterQuery {
  @LogPosition('Where to start when there is no Last-Event-ID header (absent: only events from now on)')
  after?: number;
}


const HEARTBEAT_MS = 15_000;
const POLL_MS = 1_000;

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly feed: AnalystEventsService) {}

  @Get()
  @ApiOperation({ summary: 'Deal events for analysts, oldest first, from a cursor (names of parties and any contact data left out)' })
  async page(@Query() q: EventsPageQuery, @CurrentPrincipal() principal: Principal) {
    const { events, cursor } = await this.feed.readAfter(q.after ?? 0, q.limit ?? 100, filterFor(principal, q));
    return { items: events.map(publicEvent), next: String(cursor) };
  }

  @Get('stream')
  @ApiOperation({
    summary: 'The same events as a Server-Sent Events stream: `id:` is the cursor, so a client that reconnects with Last-Event-ID resumes without gaps or repeats',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event (the `id:` last received)' })
  @ApiOkResponse({ description: 'text/event-stream: `event:` the type, `data:` the event as in GET /events' })
  async stream(
    @Query() q: EventStreamQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (lastEventId !== undefined && !/^\d{1,15}$/.test(lastEventId)) {
      throw invalid([{ pointer: 'header.Last-Event-ID', reason: 'must be an id received from this stream' }]);
    }
    const filter = filterFor(principal, q);
    let cursor = lastEventId !== undefined ? Number(lastEventId) : (q.after ?? (await this.feed.head()));
    let open = true;
    req.on('close', () => (open = false));
    res.status(HttpStatus.OK).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write(`retry: 2000\n: from ${cursor}\n\n`);
    let lastWrite = Date.now();
    try {
      while (open) {
        const { events, cursor: next } = await this.feed.readAfter(cursor, 100, filter);
        for (const e of events) res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(publicEvent(e))}\n\n`);
        // Events the filter left out still move the client's Last-Event-ID (an id-only message is not dispatched).
        if (next !== cursor && (events.length === 0 || events.at(-1)!.seq !== next)) res.write(`id: ${next}\n\n`);
        if (next !== cursor) lastWrite = Date.now();
        cursor = next;
        if (events.length === 100) continue;
        if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await this.nextAppendOr(POLL_MS);
      }
    } finally {
      // On a store error the stream ends; the client reconnects with its Last-Event-ID and loses nothing.
      res.end();
    }
  }

  /** Wakes on an event logged by this instance, or after `ms` (events logged by other instances). */
  private nextAppendOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const subscription = this.feed.appended$.subscribe(() => done());
      function done() {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve();
      }
    });
  }
}

/** Brokers see their own park's events; analysts and admins every park or the one they ask for. */
export function filterFor(principal: Principal, q: EventFilterQuery): EventFilter {
  const parks = principal.role === 'broker' ? [principal.parkId!] : q.parkId ? [q.parkId] : undefined;
  return { types: q.types, parks };
}
