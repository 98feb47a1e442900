import { Controller, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  robotIdSchema,
  tonypiConfigUpdateSchema,
  tonypiManagedRobotSchema,
  tonypiMessageSchema,
  tonypiRobotConfigSchema,
  tonypiSystemStatusSchema,
  type TonyPiConfigUpdate,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam } from '../http/zod-input';
import { notYetServed } from './not-yet-served';
import { TonyPiManagement } from './tonypi-management.service';

/** TonyPi's management routes: robots, their settings, the system's state. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/management')
export class TonyPiManagementController {
  constructor(@Inject(TonyPiManagement) private readonly management: TonyPiManagement) {}

  @Access('viewer')
  @Returns(tonypiManagedRobotSchema.array())
  @Get('robots')
  robots() {
    return this.management.robotList();
  }

  /** The robot's settings, one key per section. */
  @Access('viewer')
  @Returns(tonypiRobotConfigSchema)
  @Get('robots/:robot_id/config')
  config(@ValidParam('robot_id', robotIdSchema) robotId: string) {
    return this.management.robotConfig(robotId);
  }

  /** Saves one section of the robot's settings (admins manage robots) and sends it on `tonypi/config/{id}`. */
  @Access('admin')
  @Returns(tonypiMessageSchema)
  @Put('robots/:robot_id/config')
  updateConfig(
    @CurrentActor() actor: Actor,
    @ValidParam('robot_id', robotIdSchema) robotId: string,
    @ValidBody(tonypiConfigUpdateSchema) input: TonyPiConfigUpdate,
  ) {
    return this.management.updateConfig(actor, robotId, input);
  }

  /** A service is `running` exactly when its health check passes. */
  @Access('viewer')
  @Returns(tonypiSystemStatusSchema)
  @Get('system/status')
  systemStatus() {
    return this.management.systemStatus();
  }

  @Access('operator')
  @HttpCode(200)
  @Post('command')
  command(): never {
    throw notYetServed('POST', 'management/command');
  }

  @Access('operator')
  @HttpCode(200)
  @Post('robots/:robot_id/emergency-stop')
  emergencyStop(): never {
    throw notYetServed('POST', 'management/robots/{robot_id}/emergency-stop');
  }

  @Access('operator')
  @HttpCode(200)
  @Post('robots/:robot_id/resume')
  resume(): never {
    throw notYetServed('POST', 'management/robots/{robot_id}/resume');
  }

  @Access('operator')
  @HttpCode(200)
  @Post('emergency-stop/broadcast')
  emergencyStopAll(): never {
    throw notYetServed('POST', 'management/emergency-stop/broadcast');
  }
}
