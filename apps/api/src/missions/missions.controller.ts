import { Controller, Delete, Get, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  missionAssignSchema,
  missionCancelSchema,
  missionCreateSchema,
  missionFailSchema,
  missionIdSchema,
  missionListQuerySchema,
  missionPageSchema,
  missionTelemetryQuerySchema,
  missionUpdateSchema,
  missionViewSchema,
  waypointCreateSchema,
  waypointIdSchema,
  waypointUpdateSchema,
  type MissionAssign,
  type MissionCancel,
  type MissionCreate,
  type MissionFail,
  type MissionListQuery,
  type MissionTelemetryQuery,
  type MissionUpdate,
  type WaypointCreate,
  type WaypointUpdate,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { ReturnsHistory } from '../robots/history-json';
import { MissionsService } from './missions.service';

const MissionId = () => ValidParam('missionId', missionIdSchema);

@ApiTags('missions')
@ApiBearerAuth()
@Controller('api/v1/missions')
export class MissionsController {
  constructor(@Inject(MissionsService) private readonly missions: MissionsService) {}

  /** Missions matching every filter given, newest first, with waypoint progress but without the waypoints. */
  @Access('viewer')
  @Returns(missionPageSchema)
  @Get()
  list(@ValidQuery(missionListQuerySchema) query: MissionListQuery) {
    return this.missions.list(query);
  }

  /** The mission with its waypoints in order. */
  @Access('viewer')
  @Returns(missionViewSchema)
  @Get(':missionId')
  get(@MissionId() id: string) {
    return this.missions.get(id);
  }

  /** A new mission: pending, or assigned when it names a robot. */
  @Access('operator')
  @Returns(missionViewSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(missionCreateSchema) input: MissionCreate) {
    return this.missions.create(actor, input);
  }

  /** Changes the plan while the mission is pending or assigned. */
  @Access('operator')
  @Returns(missionViewSchema)
  @Patch(':missionId')
  update(
    @CurrentActor() actor: Actor,
    @MissionId() id: string,
    @ValidBody(missionUpdateSchema) changes: MissionUpdate,
  ) {
    return this.missions.update(actor, id, changes);
  }

  /** Deletes a mission that never started, with its waypoints; one that started is kept for its report (409). */
  @Access('operator')
  @HttpCode(204)
  @Delete(':missionId')
  async remove(@CurrentActor() actor: Actor, @MissionId() id: string): Promise<void> {
    await this.missions.remove(actor, id);
  }

  /** Gives a pending or assigned mission to an active robot. */
  @Access('operator')
  @Returns(missionViewSchema)
  @HttpCode(200)
  @Post(':missionId/assign')
  assign(@CurrentActor() actor: Actor, @MissionId() id: string, @ValidBody(missionAssignSchema) input: MissionAssign) {
    return this.missions.transition(actor, id, { action: 'assign', robotId: input.robot_id });
  }

  /** Takes an assigned mission back from its robot: pending again. */
  @Access('operator')
  @Returns(missionViewSchema)
  @HttpCode(200)
  @Post(':missionId/unassign')
  unassign(@CurrentActor() actor: Actor, @MissionId() id: string) {
    return this.missions.transition(actor, id, { action: 'unassign' });
  }

  /** An assigned mission starts; its robot may carry out one mission at a time. */
  @Access('operator')
  @Returns(missionViewSchema)
  @HttpCode(200)
  @Post(':missionId/start')
  start(@CurrentActor() actor: Actor, @MissionId() id: string) {
    return this.missions.transition(actor, id, { action: 'start' });
  }

  /** An active mission completes; its duration is recorded. */
  @Access('operator')
  @Returns(missionViewSchema)
  @HttpCode(200)
  @Post(':missionId/complete')
  complete(@CurrentActor() actor: Actor, @MissionId() id: string) {
    return this.missions.transition(actor, id, { action: 'complete' });
  }

  /** An assigned or active mission fails, with why. */
  @Access('operator')
  @Returns(missionViewSchema)
  @HttpCode(200)
  @Post(':missionId/fail')
  fail(@CurrentActor() actor: Actor, @MissionId() id: string, @ValidBody(missionFailSchema) input: MissionFail) {
    return this.missions.transition(actor, id, { action: 'fail', reason: input.reason });
  }

  /** A mission that has not ended is cancelled, optionally with why. */
  @Access('operator')
  @Returns(missionViewSchema)
  @HttpCode(200)
  @Post(':missionId/cancel')
  cancel(@CurrentActor() actor: Actor, @MissionId() id: string, @ValidBody(missionCancelSchema) input: MissionCancel) {
    return this.missions.transition(actor, id, { action: 'cancel', reason: input.reason });
  }

  /** Appends a waypoint to a mission that has not ended. */
  @Access('operator')
  @Returns(missionViewSchema, 201)
  @Post(':missionId/waypoints')
  addWaypoint(
    @CurrentActor() actor: Actor,
    @MissionId() id: string,
    @ValidBody(waypointCreateSchema) input: WaypointCreate,
  ) {
    return this.missions.addWaypoint(actor, id, input);
  }

  /** Changes a waypoint; moving it once the mission is assigned is tracked and needs a reason. */
  @Access('operator')
  @Returns(missionViewSchema)
  @Patch(':missionId/waypoints/:waypointId')
  updateWaypoint(
    @CurrentActor() actor: Actor,
    @MissionId() id: string,
    @ValidParam('waypointId', waypointIdSchema) waypointId: string,
    @ValidBody(waypointUpdateSchema) update: WaypointUpdate,
  ) {
    return this.missions.updateWaypoint(actor, id, waypointId, update);
  }

  /** The assigned robot's telemetry over the mission: from its start to its end, or to now while it runs. */
  @Access('viewer')
  @ReturnsHistory()
  @Get(':missionId/telemetry')
  telemetry(@MissionId() id: string, @ValidQuery(missionTelemetryQuerySchema) query: MissionTelemetryQuery) {
    return this.missions.telemetry(id, query);
  }
}
