import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { DATABASE } from '../database.tokens';
import type { DB } from '../db.types';
import { jsonb } from './sql-helpers';

export interface Heartbeat {
  instance: string;
  beatAt: Date;
  watermark: Date;
}

/**
 * `service_heartbeats`: each replica of a service says, every few seconds, that it is alive and how far it has got.
 * Ingest's watermark tells alerting up to when robots' silence can be judged.
 *
 * @example
 * await heartbeats.beat('ingest', 'ingest-0', now, oldestUnwritten ?? now, { backlog: 12 });
 * const beats = await heartbeats.list('ingest');
 */
@Injectable()
export class ServiceHeartbeatRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<DB>) {}

  async beat(
    service: string,
    instance: string,
    at: Date,
    watermark: Date,
    details: Record<string, unknown> | null = null,
  ): Promise<void> {
    await this.db
      .insertInto('service_heartbeats')
      .values({ service, instance, beat_at: at, watermark, details: jsonb(details) })
      .onConflict((oc) =>
        oc.columns(['service', 'instance']).doUpdateSet((eb) => ({
          beat_at: eb.ref('excluded.beat_at'),
          watermark: eb.ref('excluded.watermark'),
          details: eb.ref('excluded.details'),
        })),
      )
      .execute();
  }

  async list(service: string): Promise<Heartbeat[]> {
    const rows = await this.db
      .selectFrom('service_heartbeats')
      .select(['instance', 'beat_at', 'watermark'])
      .where('service', '=', service)
      .orderBy('instance')
      .execute();
    return rows.map((r) => ({ instance: r.instance, beatAt: r.beat_at, watermark: r.watermark }));
  }

  /** Forgets a replica that is gone for good. */
  async remove(service: string, instance: string): Promise<void> {
    await this.db
      .deleteFrom('service_heartbeats')
      .where('service', '=', service)
      .where('instance', '=', instance)
      .execute();
  }
}
