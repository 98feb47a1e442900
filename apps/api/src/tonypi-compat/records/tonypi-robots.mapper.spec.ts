import { tonypiRobotRecordSchema } from '@fleet/contracts';
import type { Robot } from '@fleet/database';
import { tonypiRobotRecord } from './tonypi-robots.mapper';

const robot = (fields: Partial<Robot> = {}): Robot => ({
  id: 1,
  robot_id: 'tonypi_01',
  name: 'TonyPi 01',
  description: null,
  location: { x: 1, y: 2, z: 0 },
  status: 'online',
  ip_address: '192.168.1.103',
  camera_url: null,
  battery_threshold_low: 20,
  battery_threshold_critical: 10,
  temp_threshold_warning: 70,
  temp_threshold_critical: 80,
  settings: null,
  last_seen: new Date('2026-01-24T10:30:00Z'),
  created_at: new Date('2026-01-01T00:00:00Z'),
  updated_at: null,
  is_active: true,
  device_type: 'tonypi',
  offline_timeout_s: null,
  ...fields,
});

describe('robots in TonyPi shape', () => {
  it("keep TonyPi's fields, times as ISO strings, and leave out Fleet's device type and timeout", () => {
    const view = tonypiRobotRecord(robot());
    expect(view).toEqual({
      id: 1,
      robot_id: 'tonypi_01',
      name: 'TonyPi 01',
      description: null,
      location: { x: 1, y: 2, z: 0 },
      status: 'online',
      ip_address: '192.168.1.103',
      camera_url: null,
      battery_threshold_low: 20,
      battery_threshold_critical: 10,
      temp_threshold_warning: 70,
      temp_threshold_critical: 80,
      settings: null,
      last_seen: '2026-01-24T10:30:00.000Z',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: null,
      is_active: true,
    });
    expect(() => tonypiRobotRecordSchema.strict().parse(view)).not.toThrow();
  });

  it('give a robot never heard from a null last_seen', () => {
    expect(tonypiRobotRecord(robot({ last_seen: null })).last_seen).toBeNull();
  });

  it('pass on an http or https camera URL, and null for a stored one of another scheme', () => {
    const camera = (camera_url: string | null) => tonypiRobotRecord(robot({ camera_url })).camera_url;
    expect(camera('http://192.168.1.103:8080/?action=stream')).toBe('http://192.168.1.103:8080/?action=stream');
    expect(camera('https://cams.example.com/tonypi_01')).toBe('https://cams.example.com/tonypi_01');
    for (const stored of ['javascript:alert(document.cookie)', 'data:text/html,<script>1</script>', 'not a url'])
      expect(camera(stored)).toBeNull();
  });
});
