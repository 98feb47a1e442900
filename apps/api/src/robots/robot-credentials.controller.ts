import { Controller, Delete, Get, Header, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { robotCredentialIssuedSchema, robotCredentialListSchema, robotIdSchema } from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidParam } from '../http/zod-input';
import { RobotCredentialsService } from './robot-credentials.service';

@ApiTags('robots')
@ApiBearerAuth()
@Access('admin')
@Controller('api/v1/robots/:robotId/credentials')
export class RobotCredentialsController {
  constructor(@Inject(RobotCredentialsService) private readonly credentials: RobotCredentialsService) {}

  /** The robot's MQTT credential, active or revoked; never its secret. */
  @Returns(robotCredentialListSchema)
  @Get()
  list(@ValidParam('robotId', robotIdSchema) robotId: string) {
    return this.credentials.list(robotId);
  }

  /** Issues the robot a new MQTT password, replacing any it had; the password is in this answer only. */
  @Returns(robotCredentialIssuedSchema, 201)
  @Header('Cache-Control', 'no-store')
  @Post()
  issue(@CurrentActor() actor: Actor, @ValidParam('robotId', robotIdSchema) robotId: string) {
    return this.credentials.issue(actor, robotId);
  }

  /** Revokes the robot's credential: the embedded broker refuses it within 30 seconds. */
  @HttpCode(204)
  @Delete()
  async revoke(@CurrentActor() actor: Actor, @ValidParam('robotId', robotIdSchema) robotId: string): Promise<void> {
    await this.credentials.revoke(actor, robotId);
  }
}
