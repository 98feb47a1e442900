import { ServiceUnavailableException } from '@nestjs/common';
import { NotFoundError } from '@fleet/contracts';
import type { RobotRepository } from '@fleet/database';
import type { MqttConnection } from '@fleet/messaging';
import type { Clock } from '@fleet/platform';
import type { AuditService } from '../audit/audit.service';
import type { CommandsService } from '../commands/commands.service';
import type { Actor } from '../http/request-context';
import { TonyPiCommands } from './tonypi-commands.service';

const actor = { user: { username: 'olivia' } } as Actor;
const clock: Clock = { now: () => new Date('2026-03-01T10:00:00Z') };

/** The service with a broker that takes or refuses what it is given, and the audit entries written. */
function scanner(broker: 'up' | 'down', registered = ['tonypi_01']) {
  const published: { topic: string; payload: unknown }[] = [];
  const audited: unknown[][] = [];
  const robots = {
    get: (id: string) =>
      registered.includes(id) ? Promise.resolve({ robot_id: id }) : Promise.reject(new NotFoundError('robot', id)),
  } as unknown as RobotRepository;
  const mqtt = {
    publishJson: (topic: string, payload: unknown) => {
      if (broker === 'down') return Promise.reject(new Error('the broker did not acknowledge within 5000 ms'));
      published.push({ topic, payload });
      return Promise.resolve();
    },
  } as unknown as MqttConnection;
  const audit = {
    record: (...entry: unknown[]) => {
      audited.push(entry);
      return Promise.resolve();
    },
  } as unknown as AuditService;
  const service = new TonyPiCommands({} as CommandsService, robots, mqtt, audit, clock);
  return { service, published, audited };
}

describe('a triggered scan', () => {
  it('is published on the robot scan topic and audited', async () => {
    const { service, published, audited } = scanner('up');
    const answer = await service.triggerScan(actor, 'tonypi_01', 'STATION_A');
    const payload = { robot_id: 'tonypi_01', qr: 'STATION_A', timestamp: '2026-03-01T10:00:00.000Z' };
    expect(answer).toEqual({ success: true, topic: 'tonypi/scan/tonypi_01', payload });
    expect(published).toEqual([{ topic: 'tonypi/scan/tonypi_01', payload }]);
    expect(audited).toEqual([[actor, 'robot.trigger_scan', 'robot', 'tonypi_01', null, payload]]);
  });

  it('is a 503 saying nothing was sent when the broker does not take it, and is not audited', async () => {
    const { service, audited } = scanner('down');
    const error = await service.triggerScan(actor, 'tonypi_01', 'STATION_A').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect((error as Error).message).toMatch(
      /MQTT broker did not take the scan for tonypi\/scan\/tonypi_01.*nothing was sent/,
    );
    expect(audited).toEqual([]);
  });

  it('for a robot that is not registered is a 404, and nothing is published', async () => {
    const { service, published } = scanner('up', []);
    await expect(service.triggerScan(actor, 'tonypi_01', 'STATION_A')).rejects.toBeInstanceOf(NotFoundError);
    expect(published).toEqual([]);
  });
});
