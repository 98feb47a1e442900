import {
  applyDecorators,
  Header,
  Injectable,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { telemetryHistorySchema, type TelemetryHistory } from '@fleet/contracts';
import { columnsText } from '@fleet/telemetry';
import { Returns } from '../http/zod-input';

/**
 * A history as JSON, the text `JSON.stringify` writes for it, with its columns' numbers taken from the text the
 * telemetry store keeps for buckets it has sent before (a week of 1-minute buckets is some 10,000 numbers per column,
 * and writing them is most of what such an answer costs).
 */
export function telemetryHistoryJson(history: TelemetryHistory): string {
  const { time, values, ...rest } = history;
  const text = columnsText({ times: time, values });
  const head = JSON.stringify(rest);
  const columns = Object.keys(values)
    .map((field) => `${JSON.stringify(field)}:[${text.values[field]}]`)
    .join(',');
  return `${head.length > 2 ? `${head.slice(0, -1)},` : '{'}"time":[${text.times}],"values":{${columns}}}`;
}

@Injectable()
class HistoryJsonInterceptor implements NestInterceptor<TelemetryHistory, string> {
  intercept(_context: ExecutionContext, next: CallHandler<TelemetryHistory>): Observable<string> {
    return next.handle().pipe(map(telemetryHistoryJson));
  }
}

/** The route answers a {@link TelemetryHistory}, sent by {@link telemetryHistoryJson}. */
export function ReturnsHistory(): MethodDecorator {
  return applyDecorators(
    Returns(telemetryHistorySchema),
    Header('content-type', 'application/json; charset=utf-8'),
    UseInterceptors(HistoryJsonInterceptor),
  );
}
