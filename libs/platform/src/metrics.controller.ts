import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  Inject,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { Access } from './access';
import { MetricsService } from './metrics.service';

/** Headers a proxy adds: a request carrying one came from elsewhere, whatever the socket's address. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** Compares through fixed-length digests, so neither the token's length nor its content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Prometheus scrapes every service's /metrics the same way. No user token applies here (the route is `public` to
 * the API's guard); instead, with `METRICS_TOKEN` set a scrape must carry it as a bearer token, and without it only
 * requests made on this host, straight to the process (no proxy), are answered.
 */
@Access('public')
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
  ) {}

  /**
   * Prometheus text exposition format: every metric, or only those named by `name` (repeatable), which costs a
   * fraction of a full scrape for a tool that follows a few counters closely.
   */
  @Get()
  async scrape(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('name') name?: string | string[],
  ): Promise<string> {
    this.admit(request);
    void reply.type(this.metrics.registry.contentType);
    if (name === undefined) return this.metrics.registry.metrics();
    const names = [...new Set(Array.isArray(name) ? name : [name])];
    const unknown = names.filter((n) => this.metrics.registry.getSingleMetric(n) === undefined);
    if (unknown.length > 0)
      throw new BadRequestException(`no metric named ${unknown.map((n) => `'${n.slice(0, 100)}'`).join(', ')}`);
    const parts = await Promise.all(names.map((n) => this.metrics.registry.getSingleMetricAsString(n)));
    return `${parts.join('\n')}\n`;
  }

  private admit(request: FastifyRequest): void {
    const token = this.config.http.metricsToken;
    if (token !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      if (!match || !sameSecret(match[1], token)) {
        throw new UnauthorizedException('send Authorization: Bearer <METRICS_TOKEN> to read /metrics');
      }
      return;
    }
    const forwarded = FORWARDING_HEADERS.some((name) => request.headers[name] !== undefined);
    if (forwarded || !isLoopback(request.socket.remoteAddress)) {
      throw new ForbiddenException(
        '/metrics answers only requests from this host; set METRICS_TOKEN to let Prometheus scrape from elsewhere',
      );
    }
  }
}
