import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FleetConfig } from '@fleet/config';
import { EMBEDDED_BROKER, MQTT_CONNECT, type EmbeddedBroker, type MqttConnect } from '@fleet/messaging';
import { runService, type Logger } from '@fleet/platform';
import { startSimulation } from '@fleet/simulator';
import { FleetModule } from './fleet.module';

const USAGE = 'usage: npm start [-- --simulate <robots>]\n';

/** `--simulate 3` (or `--simulate=3`): how many simulated robots to start; undefined without the flag. */
function simulatedRobots(args: readonly string[]): number | undefined {
  let robots: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag !== '--simulate') throw new Error(`unknown argument '${args[i]}'`);
    const value = inline ?? args[++i];
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_000) {
      throw new Error(`--simulate: expected a number of robots from 1 to 1000, got '${value ?? ''}'`);
    }
    robots = Number(value);
  }
  return robots;
}

/**
 * Simulated TonyPi robots on the broker Fleet uses, so a newcomer sees data at once. On the embedded broker they log
 * in as Fleet itself, which needs no robot credentials; robot ids are `tonypi_01`, `tonypi_02`, ...
 */
async function simulate(
  app: NestFastifyApplication,
  { config, logger }: { config: FleetConfig; logger: Logger },
  robots: number,
): Promise<() => Promise<void>> {
  const broker = app.get<EmbeddedBroker | null>(EMBEDDED_BROKER);
  const connect = app.get<MqttConnect>(MQTT_CONNECT);
  const simulation = await startSimulation({
    url: config.mqtt.url ?? `mqtt://127.0.0.1:${broker?.port ?? config.mqtt.broker.port}`,
    robots,
    connect: async (clientId, setup) => (await connect(clientId, (connection) => setup(connection.client))).client,
    topicPrefix: config.mqtt.topicPrefix,
    // Their clocks are set to the zone Fleet reads robot timestamps in.
    clockZone: config.robots.timezone,
    logger: logger.child({ component: 'simulator' }),
  });
  return () => simulation.stop();
}

let robots: number | undefined;
try {
  robots = simulatedRobots(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}`);
  process.exit(64); // EX_USAGE
}
const simulated = robots;
void runService(
  'fleet',
  FleetModule,
  simulated === undefined ? {} : { onReady: (app, context) => simulate(app, context, simulated) },
);
