import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { DEFAULT_THRESHOLDS, MigrationError, SchemaMigrator, type DB } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

const FLEET_TABLES = [
  'users',
  'robots',
  'jobs',
  'alerts',
  'alert_thresholds',
  'alert_states',
  'alert_snoozes',
  'alert_webhooks',
  'alert_notifications',
  'service_heartbeats',
  'reports',
  'system_logs',
  'commands',
  'command_results',
  'robot_connection_logs',
  'missions',
  'mission_waypoints',
  'robot_credentials',
  'refresh_tokens',
  'audit_entries',
  'telemetry_rollups',
  'telemetry_rollups_hourly',
  'telemetry_rollup_progress',
  'telemetry_rollup_marks',
  'report_schedules',
  'telemetry_points',
  'dead_letters',
  'fleet_adopted_tables',
].sort();

async function tables(db: Kysely<DB>): Promise<string[]> {
  const rows = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%' ORDER BY table_name`.execute(db);
  return rows.rows.map((r) => r.table_name);
}

async function indexes(db: Kysely<DB>, table: string): Promise<string[]> {
  const rows = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = ${table}`.execute(
    db,
  );
  return rows.rows.map((r) => r.indexname);
}

const ALERTING = '20261122030000-alerting';

/** Reverts migrations, newest first, up to and including `name`. */
async function revertThrough(migrator: SchemaMigrator, name: string): Promise<void> {
  for (let reverted = await migrator.migrateDown(); reverted !== name; reverted = await migrator.migrateDown()) {
    if (reverted === null) throw new Error(`migration ${name} is not applied`);
  }
}

describeEachDatabase('schema migrations', (factory) => {
  it('apply in order on an empty database, each once, and report their state', async () => {
    const { db } = await factory().create({ migrated: false });
    const migrator = new SchemaMigrator(db);

    const before = await migrator.status();
    expect(before.length).toBeGreaterThanOrEqual(6);
    expect(before.every((m) => m.appliedAt === null)).toBe(true);

    const applied = await migrator.migrateToLatest();
    expect(applied).toEqual(before.map((m) => m.name));
    expect((await migrator.status()).every((m) => m.appliedAt instanceof Date)).toBe(true);
    expect(await migrator.migrateToLatest()).toEqual([]);
    expect(await tables(db)).toEqual(FLEET_TABLES);
  });

  it('create the TonyPi tables with their columns and indexes', async () => {
    const { db } = await factory().create();
    const columns = await sql<{ column_name: string; data_type: string }>`
      SELECT column_name, data_type FROM information_schema.columns
      WHERE table_name = 'robots' ORDER BY ordinal_position`.execute(db);
    expect(columns.rows.slice(0, 17)).toEqual(
      [
        ['id', 'integer'],
        ['robot_id', 'character varying'],
        ['name', 'character varying'],
        ['description', 'text'],
        ['location', 'jsonb'],
        ['status', 'character varying'],
        ['ip_address', 'character varying'],
        ['camera_url', 'character varying'],
        ['battery_threshold_low', 'double precision'],
        ['battery_threshold_critical', 'double precision'],
        ['temp_threshold_warning', 'double precision'],
        ['temp_threshold_critical', 'double precision'],
        ['settings', 'jsonb'],
        ['last_seen', 'timestamp with time zone'],
        ['created_at', 'timestamp with time zone'],
        ['updated_at', 'timestamp with time zone'],
        ['is_active', 'boolean'],
      ].map(([column_name, data_type]) => ({ column_name, data_type })),
    );
    expect(await indexes(db, 'alerts')).toEqual(
      expect.arrayContaining([
        'idx_alerts_robot_id',
        'idx_alerts_alert_type',
        'idx_alerts_severity',
        'idx_alerts_acknowledged',
        'idx_alerts_resolved',
        'idx_alerts_created_at',
      ]),
    );
    expect(await indexes(db, 'system_logs')).toEqual(
      expect.arrayContaining([
        'idx_system_logs_level',
        'idx_system_logs_category',
        'idx_system_logs_robot_id',
        'idx_system_logs_timestamp',
      ]),
    );
  });

  it('seed the global default thresholds, with the timing of each metric', async () => {
    const { db } = await factory().create();
    const rows = await db
      .selectFrom('alert_thresholds')
      .select(['metric_type', 'warning_threshold', 'critical_threshold', 'direction', 'enabled'])
      .where('robot_id', 'is', null)
      .orderBy('metric_type')
      .execute();
    // The figures operators of the systems Fleet replaces know, written out rather than read from the migration.
    const seeded: [string, number, number, 'above' | 'below'][] = [
      ['battery', 20, 10, 'below'],
      ['cpu', 70, 90, 'above'],
      ['disk', 80, 90, 'above'],
      ['memory', 75, 90, 'above'],
      ['servo_temp', 60, 75, 'above'],
      ['servo_voltage', 5.5, 5, 'below'],
      ['temperature', 70, 80, 'above'],
    ];
    expect(rows).toEqual(
      seeded.map(([metric_type, warning_threshold, critical_threshold, direction]) => ({
        metric_type,
        warning_threshold,
        critical_threshold,
        direction,
        enabled: true,
      })),
    );
    expect(DEFAULT_THRESHOLDS.map((t) => t.metric_type).sort()).toEqual(
      seeded.map(([metric]) => metric).filter((metric) => metric !== 'disk'),
    );
    const timing = await db
      .selectFrom('alert_thresholds')
      .select(['metric_type', 'pending_s', 'clear_margin', 'auto_resolve'])
      .where('robot_id', 'is', null)
      .orderBy('metric_type')
      .execute();
    expect(timing.map((t) => [t.metric_type, t.pending_s, t.clear_margin, t.auto_resolve])).toEqual([
      ['battery', 30, 3, true],
      ['cpu', 60, 5, true],
      ['disk', 0, 2, true],
      ['memory', 60, 5, true],
      ['servo_temp', 15, 3, true],
      ['servo_voltage', 10, 0.2, true],
      ['temperature', 30, 3, true],
    ]);
  });

  it('allow one open alert per robot, type and source', async () => {
    const { db } = await factory().create();
    const alert = (robot_id: string | null, alert_type: string, source: string | null) => ({
      robot_id,
      alert_type,
      source,
      severity: 'warning',
      title: 'x',
      message: 'x',
    });
    const first = await db
      .insertInto('alerts')
      .values(alert('r1', 'battery', 'battery'))
      .returning('id')
      .executeTakeFirstOrThrow();
    const duplicate = db
      .insertInto('alerts')
      .values(alert('r1', 'battery', 'battery'))
      .execute();
    await expect(duplicate).rejects.toMatchObject({ code: '23505', constraint: 'uq_alerts_open' });
    // No source and no robot count as one source and one robot.
    await db
      .insertInto('alerts')
      .values(alert(null, 'system', null))
      .execute();
    await expect(
      db
        .insertInto('alerts')
        .values(alert(null, 'system', null))
        .execute(),
    ).rejects.toMatchObject({
      code: '23505',
    });
    // Another source, type or robot is another alert; so is the same one once the first is resolved.
    await db
      .insertInto('alerts')
      .values([alert('r1', 'battery', 'aux'), alert('r1', 'temperature', 'battery'), alert('r2', 'battery', 'battery')])
      .execute();
    await db.updateTable('alerts').set({ resolved: true }).where('id', '=', first.id).execute();
    await db
      .insertInto('alerts')
      .values(alert('r1', 'battery', 'battery'))
      .execute();
    expect(
      await db
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('robot_id', '=', 'r1')
        .where('alert_type', '=', 'battery')
        .where('source', '=', 'battery')
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: '2' });
  });

  it("resolve an adopted database's duplicate open alerts as superseded, keeping the newest, and reopen them on revert", async () => {
    const { db } = await factory().create();
    const migrator = new SchemaMigrator(db);
    await revertThrough(migrator, ALERTING);
    // Alerts as TonyPi could leave them: several open for the same robot, type and source.
    await sql`
      INSERT INTO alerts (robot_id, alert_type, severity, title, message, source, resolved, created_at) VALUES
        ('r1', 'battery', 'warning', 'a', 'a', 'battery', FALSE, '2026-01-01T10:00:00Z'),
        ('r1', 'battery', 'critical', 'b', 'b', 'battery', NULL, '2026-01-01T10:05:00Z'),
        ('r1', 'battery', 'warning', 'c', 'c', 'battery', FALSE, '2026-01-01T10:02:00Z'),
        ('r1', 'battery', 'warning', 'd', 'd', 'battery', TRUE, '2026-01-01T10:09:00Z'),
        ('r1', 'system', 'info', 'e', 'e', NULL, FALSE, '2026-01-01T10:00:00Z'),
        ('r1', 'system', 'info', 'f', 'f', NULL, FALSE, '2026-01-01T10:00:00Z'),
        ('r2', 'battery', 'warning', 'g', 'g', 'battery', FALSE, '2026-01-01T10:00:00Z');
    `.execute(db);
    const ids = Object.fromEntries(
      (await db.selectFrom('alerts').select(['id', 'title']).execute()).map((a) => [a.title, a.id]),
    );

    await migrator.migrateToLatest();
    const after = await db
      .selectFrom('alerts')
      .select(['title', 'resolved', 'resolution', 'resolution_note', 'resolved_at'])
      .orderBy('title')
      .execute();
    expect(after.map((a) => [a.title, a.resolved, a.resolution])).toEqual([
      ['a', true, 'superseded'],
      ['b', null, null],
      ['c', true, 'superseded'],
      ['d', true, null],
      // Same time: the later id stays open.
      ['e', true, 'superseded'],
      ['f', false, null],
      ['g', false, null],
    ]);
    expect(after.find((a) => a.title === 'a')).toMatchObject({
      resolution_note: `superseded by alert ${ids.b} when Fleet took over this database`,
      resolved_at: expect.any(Date) as Date,
    });
    expect(after.find((a) => a.title === 'e')?.resolution_note).toContain(`alert ${ids.f} `);

    await revertThrough(migrator, ALERTING);
    const reverted = await sql<{ title: string; resolved: boolean | null; resolved_at: Date | null }>`
      SELECT title, resolved, resolved_at FROM alerts ORDER BY title`.execute(db);
    expect(reverted.rows.map((a) => [a.title, a.resolved, a.resolved_at])).toEqual([
      ['a', false, null],
      ['b', null, null],
      ['c', false, null],
      ['d', true, null],
      ['e', false, null],
      ['f', false, null],
      ['g', false, null],
    ]);
  });

  it('revert one by one down to an empty schema, and apply again', async () => {
    const { db } = await factory().create();
    const migrator = new SchemaMigrator(db);
    const names = (await migrator.status()).map((m) => m.name);

    expect(await migrator.migrateDown()).toBe(names.at(-1));
    expect((await migrator.status()).at(-1)?.appliedAt).toBeNull();

    expect(await migrator.migrateDownAll()).toEqual(names.slice(0, -1).reverse());
    expect(await tables(db)).toEqual([]);
    expect(await migrator.migrateDown()).toBeNull();

    expect(await migrator.migrateToLatest()).toEqual(names);
    expect(await tables(db)).toEqual(FLEET_TABLES);
  });

  it('stop loudly at a failing migration, keeping the ones before and nothing of it', async () => {
    const { db } = await factory().create({ migrated: false });
    // A table in the way of the third migration.
    await sql`CREATE TABLE missions (id integer)`.execute(db);
    const migrator = new SchemaMigrator(db);

    const failure = migrator.migrateToLatest();
    await expect(failure).rejects.toThrow(MigrationError);
    await expect(failure).rejects.toThrow(
      /could not apply migration 20261122010200-commands-and-missions: .*missions.* already exists/,
    );

    const status = await migrator.status();
    expect(status.slice(0, 2).every((m) => m.appliedAt !== null)).toBe(true);
    expect(status.slice(2).every((m) => m.appliedAt === null)).toBe(true);
    expect(await tables(db)).not.toContain('commands');
  });

  it('apply each migration once when two processes migrate at the same time', async () => {
    const first = await factory().create({ migrated: false });
    const second = await factory().create({ migrated: false });
    // Same database, two pools: what two services starting together do.
    const other = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: first.url, max: 2 }) }),
    });
    try {
      const [a, b] = await Promise.all([
        new SchemaMigrator(first.db).migrateToLatest(),
        new SchemaMigrator(other).migrateToLatest(),
      ]);
      const all = [...a, ...b].sort();
      expect(all).toEqual((await new SchemaMigrator(second.db).status()).map((m) => m.name).sort());
      expect(await tables(first.db)).toEqual(FLEET_TABLES);
    } finally {
      await other.destroy();
    }
  });

  it('keep the audit trail append-only', async () => {
    const { db } = await factory().create();
    await db
      .insertInto('audit_entries')
      .values({
        actor: 'admin',
        action: 'user.create',
        entity_type: 'user',
        entity_id: 'u1',
        after: '{"role":"viewer"}',
      })
      .execute();
    await expect(db.updateTable('audit_entries').set({ actor: 'mallory' }).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('audit_entries').execute()).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_entries`.execute(db)).rejects.toThrow(/append-only/);
    expect(await db.selectFrom('audit_entries').select('actor').execute()).toEqual([{ actor: 'admin' }]);
  });

  it('name the duplicate thresholds an adopted database must clear first', async () => {
    const { db } = await factory().create({ migrated: false });
    await sql`
      CREATE TABLE alert_thresholds (id SERIAL PRIMARY KEY, robot_id VARCHAR(50), metric_type VARCHAR(50) NOT NULL,
        warning_threshold FLOAT NOT NULL, critical_threshold FLOAT NOT NULL, enabled BOOLEAN DEFAULT TRUE,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP WITH TIME ZONE);
      INSERT INTO alert_thresholds (robot_id, metric_type, warning_threshold, critical_threshold)
        VALUES (NULL, 'cpu', 70, 90), (NULL, 'cpu', 60, 80), ('r1', 'battery', 20, 10);
    `.execute(db);
    await expect(new SchemaMigrator(db).migrateToLatest()).rejects.toThrow(
      /20261122010100-fleet-columns: alert_thresholds has more than one row for robot\/metric \(global\)\/cpu/,
    );
    expect(await db.selectFrom('alert_thresholds').select('id').execute()).toHaveLength(3);
  });

  it('adopt an existing TonyPi database without losing its data', async () => {
    const { db } = await factory().create({ migrated: false });
    // What TonyPi's own init script leaves: its tables, a robot, a bcrypt user, its own default thresholds.
    await sql`
      CREATE TABLE users (id VARCHAR(36) PRIMARY KEY, username VARCHAR(50) UNIQUE NOT NULL,
        email VARCHAR(100) UNIQUE NOT NULL, password_hash VARCHAR(255) NOT NULL, role VARCHAR(20) DEFAULT 'viewer',
        is_active BOOLEAN DEFAULT TRUE, created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP WITH TIME ZONE);
      CREATE TABLE robots (id SERIAL PRIMARY KEY, robot_id VARCHAR(50) UNIQUE NOT NULL, name VARCHAR(100),
        description TEXT, location JSONB, status VARCHAR(20) DEFAULT 'offline', ip_address VARCHAR(45),
        camera_url VARCHAR(255), battery_threshold_low FLOAT DEFAULT 20.0, battery_threshold_critical FLOAT DEFAULT 10.0,
        temp_threshold_warning FLOAT DEFAULT 70.0, temp_threshold_critical FLOAT DEFAULT 80.0, settings JSONB,
        last_seen TIMESTAMP WITH TIME ZONE, created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP WITH TIME ZONE, is_active BOOLEAN DEFAULT TRUE);
      CREATE TABLE alert_thresholds (id SERIAL PRIMARY KEY, robot_id VARCHAR(50), metric_type VARCHAR(50) NOT NULL,
        warning_threshold FLOAT NOT NULL, critical_threshold FLOAT NOT NULL, enabled BOOLEAN DEFAULT TRUE,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP WITH TIME ZONE);
      INSERT INTO robots (robot_id, name, status) VALUES ('tonypi_01', 'TonyPi Robot 01', 'offline');
      INSERT INTO users (id, username, email, password_hash, role)
        VALUES ('3f1c0c1e-0000-4000-8000-000000000001', 'admin', 'admin@example.com',
                '$2b$12$KIXQ1Zq7.1Xv6x5QWf3H4eZ6hHq8m0n2b1c3d4e5f6g7h8i9j0k1l', 'admin');
      INSERT INTO alert_thresholds (robot_id, metric_type, warning_threshold, critical_threshold)
        VALUES (NULL, 'cpu', 65, 85), (NULL, 'battery', 25, 12), ('tonypi_01', 'temperature', 60, 75);
    `.execute(db);

    await new SchemaMigrator(db).migrateToLatest();

    expect(await db.selectFrom('robots').select(['robot_id', 'name', 'device_type']).execute()).toEqual([
      { robot_id: 'tonypi_01', name: 'TonyPi Robot 01', device_type: 'tonypi' },
    ]);
    expect(await db.selectFrom('users').select(['username', 'password_hash']).execute()).toEqual([
      { username: 'admin', password_hash: '$2b$12$KIXQ1Zq7.1Xv6x5QWf3H4eZ6hHq8m0n2b1c3d4e5f6g7h8i9j0k1l' },
    ]);
    const thresholds = await db
      .selectFrom('alert_thresholds')
      .select(['robot_id', 'metric_type', 'warning_threshold', 'critical_threshold', 'direction'])
      .orderBy('robot_id', 'desc')
      .orderBy('metric_type')
      .execute();
    // TonyPi's own values win; defaults fill only the metrics it had none for; battery is low-is-bad.
    expect(thresholds.filter((t) => t.robot_id === null).map((t) => [t.metric_type, t.warning_threshold])).toEqual([
      ['battery', 25],
      ['cpu', 65],
      ['disk', 80],
      ['memory', 75],
      ['servo_temp', 60],
      ['servo_voltage', 5.5],
      ['temperature', 70],
    ]);
    expect(thresholds.find((t) => t.metric_type === 'battery')?.direction).toBe('below');
    expect(thresholds.find((t) => t.robot_id === 'tonypi_01')).toMatchObject({
      metric_type: 'temperature',
      warning_threshold: 60,
    });
    // Reverting every migration drops what Fleet created and keeps what it adopted, with its data.
    await new SchemaMigrator(db).migrateDownAll();
    expect(await tables(db)).toEqual(['alert_thresholds', 'robots', 'users']);
    expect(await db.selectFrom('robots').select('robot_id').execute()).toEqual([{ robot_id: 'tonypi_01' }]);
    await new SchemaMigrator(db).migrateToLatest();

    // New users still get an id from the database.
    const created = await db
      .insertInto('users')
      .values({ username: 'op', email: 'op@example.com', password_hash: 'x', role: 'operator' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
