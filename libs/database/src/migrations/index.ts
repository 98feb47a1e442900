import type { Migration } from 'kysely';
import * as tonypiSchema from './20261122010000-tonypi-schema';
import * as fleetColumns from './20261122010100-fleet-columns';
import * as commandsAndMissions from './20261122010200-commands-and-missions';
import * as securityAndAudit from './20261122010300-security-and-audit';
import * as telemetryRollups from './20261122010400-telemetry-rollups';
import * as defaultThresholds from './20261122010500-default-thresholds';
import * as telemetryPoints from './20261122020000-telemetry-points';
import * as deadLetters from './20261122020100-dead-letters';
import * as alerting from './20261122030000-alerting';
import * as jobsTracking from './20261201010000-jobs-tracking';
import * as commandDelivery from './20261202010000-command-delivery';
import * as rollupTiers from './20261207010000-rollup-tiers';
import * as reports from './20261207020000-reports';
import * as rollupCoverage from './20261207030000-rollup-coverage';

/**
 * Every migration, by name. Names start with a UTC timestamp so they sort in the order they must run.
 * Listed statically (not read from disk) so the same set runs from source, from `dist/` and under Jest.
 */
export const migrations: Record<string, Migration> = {
  '20261122010000-tonypi-schema': tonypiSchema,
  '20261122010100-fleet-columns': fleetColumns,
  '20261122010200-commands-and-missions': commandsAndMissions,
  '20261122010300-security-and-audit': securityAndAudit,
  '20261122010400-telemetry-rollups': telemetryRollups,
  '20261122010500-default-thresholds': defaultThresholds,
  '20261122020000-telemetry-points': telemetryPoints,
  '20261122020100-dead-letters': deadLetters,
  '20261122030000-alerting': alerting,
  '20261201010000-jobs-tracking': jobsTracking,
  '20261202010000-command-delivery': commandDelivery,
  '20261207010000-rollup-tiers': rollupTiers,
  '20261207020000-reports': reports,
  '20261207030000-rollup-coverage': rollupCoverage,
};
