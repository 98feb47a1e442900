import { Controller, Delete, Get, HttpCode, Inject, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  reportScheduleCreateSchema,
  reportScheduleIdSchema,
  reportScheduleListQuerySchema,
  reportSchedulePageSchema,
  reportScheduleUpdateSchema,
  reportScheduleViewSchema,
  type PageQuery,
  type ReportScheduleCreate,
  type ReportScheduleUpdate,
} from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { type Actor, CurrentActor } from '../http/request-context';
import { Returns, ValidBody, ValidParam, ValidQuery } from '../http/zod-input';
import { ReportSchedulesService } from './report-schedules.service';

const ScheduleId = () => ValidParam('scheduleId', reportScheduleIdSchema);

@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/v1/report-schedules')
export class ReportSchedulesController {
  constructor(@Inject(ReportSchedulesService) private readonly schedules: ReportSchedulesService) {}

  /** Every report schedule, by name, with when it is next due. */
  @Access('operator')
  @Returns(reportSchedulePageSchema)
  @Get()
  list(@ValidQuery(reportScheduleListQuerySchema) query: PageQuery) {
    return this.schedules.list(query);
  }

  @Access('operator')
  @Returns(reportScheduleViewSchema)
  @Get(':scheduleId')
  get(@ScheduleId() id: string) {
    return this.schedules.get(id);
  }

  /** A new schedule: a report of a type and scope for the previous day, week or month, made when its cron says. */
  @Access('admin')
  @Returns(reportScheduleViewSchema, 201)
  @Post()
  create(@CurrentActor() actor: Actor, @ValidBody(reportScheduleCreateSchema) input: ReportScheduleCreate) {
    return this.schedules.create(actor, input);
  }

  /** Changes a schedule; a new cron, zone or enabling sets its next due time from now. */
  @Access('admin')
  @Returns(reportScheduleViewSchema)
  @Patch(':scheduleId')
  update(
    @CurrentActor() actor: Actor,
    @ScheduleId() id: string,
    @ValidBody(reportScheduleUpdateSchema) changes: ReportScheduleUpdate,
  ) {
    return this.schedules.update(actor, id, changes);
  }

  /** Deletes a schedule; the reports it made stay. */
  @Access('admin')
  @HttpCode(204)
  @Delete(':scheduleId')
  async remove(@CurrentActor() actor: Actor, @ScheduleId() id: string): Promise<void> {
    await this.schedules.remove(actor, id);
  }
}
