import { safeCameraUrl, type TonyPiRobotRecord } from '@fleet/contracts';
import type { Robot } from '@fleet/database';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** TonyPi's robot dict: the registry row without Fleet's device type and silence timeout. */
export function tonypiRobotRecord(robot: Robot): TonyPiRobotRecord {
  return {
    id: robot.id,
    robot_id: robot.robot_id,
    name: robot.name,
    description: robot.description,
    location: robot.location,
    // TonyPi left the column nullable; its default is offline.
    status: robot.status ?? 'offline',
    ip_address: robot.ip_address,
    // The dashboard shows it as an image: a stored URL of another scheme (javascript:, data:) is not passed on.
    camera_url: safeCameraUrl(robot.camera_url),
    battery_threshold_low: robot.battery_threshold_low,
    battery_threshold_critical: robot.battery_threshold_critical,
    temp_threshold_warning: robot.temp_threshold_warning,
    temp_threshold_critical: robot.temp_threshold_critical,
    settings: robot.settings,
    last_seen: iso(robot.last_seen),
    created_at: iso(robot.created_at),
    updated_at: iso(robot.updated_at),
    is_active: robot.is_active !== false,
  };
}
