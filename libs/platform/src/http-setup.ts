import { Injectable } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export type HttpSetupStep = (app: NestFastifyApplication) => Promise<void> | void;

/**
 * What a module adds to the HTTP server before it listens (plugins, documentation, WebSocket upgrades). A module's
 * provider registers a step in its constructor; the process runs every step once the application is created.
 */
@Injectable()
export class HttpSetup {
  private readonly steps: HttpSetupStep[] = [];

  add(step: HttpSetupStep): void {
    this.steps.push(step);
  }

  async apply(app: NestFastifyApplication): Promise<void> {
    for (const step of this.steps) await step(app);
  }
}
