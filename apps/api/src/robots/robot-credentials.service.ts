import { Inject, Injectable } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { ConflictError, InvalidInputError, NotFoundError } from '@fleet/contracts';
import { RobotCredentialRepository, RobotRepository, type RobotCredential } from '@fleet/database';
import { hashRobotSecret, newRobotSecret, robotIdProblem } from '@fleet/messaging';
import type { Actor } from '../http/request-context';

/** How soon the embedded broker notices a revoked or replaced credential (its credential cache period). */
const TAKES_EFFECT = 'within 30 seconds';

/** A credential as the API shows it: never its hash. */
function credentialView(credential: RobotCredential) {
  return {
    id: credential.id,
    robot_id: credential.robot_id,
    username: credential.username,
    active: credential.revoked_at === null,
    created_at: credential.created_at,
    created_by: credential.created_by,
    last_used_at: credential.last_used_at,
    revoked_at: credential.revoked_at,
  };
}

/**
 * Each robot's MQTT login for the embedded broker (username = robot id). A new password is returned once and only
 * its hash is kept; issuing again replaces it. The repository records every change in the audit trail, without
 * the secret.
 */
@Injectable()
export class RobotCredentialsService {
  constructor(
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(RobotCredentialRepository) private readonly credentials: RobotCredentialRepository,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
  ) {}

  async list(robotId: string) {
    await this.robots.get(robotId);
    const rows = await this.credentials.list(robotId);
    return { items: rows.map(credentialView) };
  }

  async issue(actor: Actor, robotId: string) {
    const robot = await this.robots.get(robotId);
    if (!robot.is_active) {
      throw new ConflictError(`robot '${robotId}' is deleted and cannot log in: reactivate it first`);
    }
    const problem = robotIdProblem(robotId);
    if (problem) {
      throw new InvalidInputError(`robot '${robotId}' cannot be an MQTT username: ${problem}`, [
        { path: 'robotId', message: problem },
      ]);
    }
    const password = newRobotSecret();
    const { credential, replaced } = await this.credentials.issue(robotId, hashRobotSecret(password), by(actor));
    const notes = [
      "Shown only this once: put it in the robot's MQTT settings now.",
      ...(replaced ? [`The previous password stops working ${TAKES_EFFECT}.`] : []),
      ...(this.config.mqtt.url
        ? ["MQTT_URL is set: this credential is for Fleet's embedded broker; add the robot to your broker's own users."]
        : []),
    ];
    return { ...credentialView(credential), password, replaced, note: notes.join(' ') };
  }

  async revoke(actor: Actor, robotId: string): Promise<void> {
    await this.robots.get(robotId);
    const revoked = await this.credentials.revoke(robotId, by(actor));
    if (!revoked) throw new NotFoundError('active MQTT credential of robot', robotId);
  }
}

function by(actor: Actor) {
  return { actor: actor.user.username, actorId: actor.user.id, ipAddress: actor.ip, requestId: actor.requestId };
}
