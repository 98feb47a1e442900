import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { tonypiAiStatusSchema, type TonyPiAiStatus } from '@fleet/contracts';
import { Access } from '@fleet/platform';
import { Returns } from '../http/zod-input';
import { notYetServed } from './not-yet-served';

/** TonyPi's reports. Fleet has no AI analysis; the rest waits for the reports service. */
@ApiTags('tonypi-compat')
@ApiBearerAuth()
@Controller('tonypi/api/v1/reports')
export class TonyPiReportsController {
  @Access('viewer')
  @Returns(tonypiAiStatusSchema)
  @Get('ai-status')
  aiStatus(): TonyPiAiStatus {
    return {
      gemini_available: false,
      pdf_available: false,
      message: 'Fleet does not run AI analysis; reports are not served by this build yet',
    };
  }

  @Access('viewer')
  @Get()
  list(): never {
    throw notYetServed('GET', 'reports');
  }

  @Access('operator')
  @HttpCode(200)
  @Post()
  create(): never {
    throw notYetServed('POST', 'reports');
  }

  @Access('operator')
  @HttpCode(200)
  @Post('generate')
  generate(): never {
    throw notYetServed('POST', 'reports/generate');
  }

  @Access('viewer')
  @Get('export/csv')
  exportCsv(): never {
    throw notYetServed('GET', 'reports/export/csv');
  }

  @Access('viewer')
  @Get('export/json')
  exportJson(): never {
    throw notYetServed('GET', 'reports/export/json');
  }

  @Access('viewer')
  @Get(':report_id')
  get(): never {
    throw notYetServed('GET', 'reports/{report_id}');
  }

  @Access('operator')
  @Delete(':report_id')
  remove(): never {
    throw notYetServed('DELETE', 'reports/{report_id}');
  }

  @Access('viewer')
  @Get(':report_id/pdf')
  pdf(): never {
    throw notYetServed('GET', 'reports/{report_id}/pdf');
  }
}
