import { Inject, Injectable } from '@nestjs/common';
import type { TonyPiRobotCreate, TonyPiRobotRecord, TonyPiRobotUpdate } from '@fleet/contracts';
import type { Actor } from '../../http/request-context';
import { RobotsService } from '../../robots/robots.service';
import { readPages } from './read-pages';
import { tonypiRobotRecord } from './tonypi-robots.mapper';

/** TonyPi's robot registry routes (`/robots-db/robots`) on {@link RobotsService}. */
@Injectable()
export class TonyPiRobots {
  constructor(@Inject(RobotsService) private readonly robots: RobotsService) {}

  /** Every active robot, by robot id. */
  async list(): Promise<TonyPiRobotRecord[]> {
    const robots = await readPages(
      (limit, offset) => this.robots.list({ limit, offset, include_inactive: false }),
      Number.POSITIVE_INFINITY,
    );
    return robots.map(tonypiRobotRecord);
  }

  /** Deleted (deactivated) robots included. */
  async get(robotId: string): Promise<TonyPiRobotRecord> {
    return tonypiRobotRecord(await this.robots.get(robotId));
  }

  /** Registers a robot, named after its id unless given a name. */
  async create(actor: Actor, input: TonyPiRobotCreate): Promise<TonyPiRobotRecord> {
    return tonypiRobotRecord(await this.robots.create(actor, { ...input, name: input.name ?? input.robot_id }));
  }

  async update(actor: Actor, robotId: string, changes: TonyPiRobotUpdate): Promise<TonyPiRobotRecord> {
    return tonypiRobotRecord(await this.robots.update(actor, robotId, changes));
  }

  /** Deactivates the robot, as TonyPi does: it leaves the list and its history keeps its id. */
  async remove(actor: Actor, robotId: string) {
    await this.robots.remove(actor, robotId);
    return { message: 'Robot deleted successfully' };
  }
}
