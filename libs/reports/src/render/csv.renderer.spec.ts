import type { ReportOf } from '@fleet/contracts';
import { CUSTOM_ROW_LIMIT, csvCell, flattenData, renderCsv, renderCustomCsv } from './csv.renderer';

function missionReport(): ReportOf<'mission'> {
  return {
    schema_version: 1,
    type: 'mission',
    title: 'Missions, "north" hall',
    generated_at: '2026-12-07T08:00:00.000Z',
    period: { from: '2026-12-06T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z', time_range: '24h', timezone: 'UTC' },
    coverage: {
      scope: 'robots',
      robots: ['tonypi_01', '=cmd|calc'],
      with_data: ['tonypi_01'],
      without_data: ['=cmd|calc'],
      telemetry_until: null,
      resolution: '1m',
    },
    findings: [
      {
        rule: 'mission_failed',
        severity: 'warning',
        robot_id: 'tonypi_01',
        subject: null,
        text: 'patrol #2 failed, at waypoint 3\nof 5',
        evidence: { failed: 1 },
      },
    ],
    summary: null,
    sections: {
      totals: {
        missions: 2,
        by_status: [{ status: 'failed', count: 1 }],
        waypoints: 10,
        waypoints_reached: 7,
        duration_median_s: 1290.5,
        duration_p95_s: null,
      },
      missions: [
        {
          mission_id: 'm-1',
          name: '+ patrol #2',
          mission_type: 'patrol',
          robot_id: 'tonypi_01',
          status: 'failed',
          started_at: '2026-12-06T10:00:00.000Z',
          duration_s: 1290.5,
          estimated_duration_s: null,
          waypoints: 5,
          waypoints_reached: -3,
          failure_reason: '@door, closed',
        },
      ],
      by_type: [{ mission_type: 'patrol', count: 1, completed: 0, failed: 1 }],
    },
  };
}

describe('csvCell', () => {
  it('quotes commas, quotes and line breaks, doubling quotes (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\ronly')).toBe('"cr\ronly"');
  });

  it('puts an apostrophe before text a spreadsheet would run as a formula, never before a number', () => {
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-rm')).toBe("'-rm");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell('=HYPERLINK("x", "y")')).toBe('"\'=HYPERLINK(""x"", ""y"")"');
    expect(csvCell(-3.5)).toBe('-3.5');
  });

  it('writes numbers unrounded, booleans as words, and null and non-finite numbers as empty', () => {
    expect(csvCell(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(Number.POSITIVE_INFINITY)).toBe('');
  });
});

describe('renderCsv', () => {
  const csv = renderCsv(missionReport());
  const lines = csv.slice(1).split('\r\n');

  it('is UTF-8 with a BOM and CRLF line ends', () => {
    expect(csv.startsWith('\uFEFF# report\r\nkey,value\r\n')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replace(/"[^"]*"/g, '').replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('starts with what the report covers, then the findings', () => {
    expect(lines.slice(0, 4)).toEqual(['# report', 'key,value', 'title,"Missions, ""north"" hall"', 'type,mission']);
    expect(lines).toContain('robots_covered,2');
    expect(lines).toContain("without_data,'=cmd|calc");
    const findings = lines.indexOf('# findings');
    expect(lines.slice(findings, findings + 3)).toEqual([
      '# findings',
      'severity,robot_id,subject,rule,text',
      'warning,tonypi_01,,mission_failed,"patrol #2 failed, at waypoint 3\nof 5"',
    ]);
  });

  it('writes the type’s tables in full: seconds for durations, ISO times, empty for null', () => {
    const at = lines.indexOf('# missions');
    expect(lines[at + 1]).toBe(
      'mission_id,name,mission_type,robot_id,status,started_at,duration_s,estimated_duration_s,waypoints_reached,waypoints,failure_reason',
    );
    expect(lines[at + 2]).toBe(
      'm-1,\'+ patrol #2,patrol,tonypi_01,failed,2026-12-06T10:00:00.000Z,1290.5,,-3,5,"\'@door, closed"',
    );
    expect(lines).toContain('duration_median_s,1290.5');
    expect(lines).toContain('duration_p95_s,');
    const names = lines.filter((l) => l.startsWith('# ')).map((l) => l.slice(2));
    expect(names).toEqual(['report', 'findings', 'totals', 'by_status', 'by_type', 'missions']);
    // Every table ends with a blank line.
    for (const name of names.slice(1)) expect(lines[lines.indexOf(`# ${name}`) - 1]).toBe('');
  });
});

describe('custom reports', () => {
  it('flattens data to dotted paths, arrays by index', () => {
    const { rows, total } = flattenData(
      {
        robots: [
          { id: 'tonypi_01', battery: 81.5 },
          { id: 'x', tags: [] },
        ],
        ok: true,
        note: null,
        empty: {},
      },
      100,
    );
    expect(rows).toEqual([
      ['robots.0.id', 'tonypi_01'],
      ['robots.0.battery', 81.5],
      ['robots.1.id', 'x'],
      ['robots.1.tags', '[]'],
      ['ok', true],
      ['note', null],
      ['empty', '{}'],
    ]);
    expect(total).toBe(7);
  });

  it('stops at a depth no report has, and at a cycle', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    const { rows } = flattenData(deep, 10);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.[1]).toBe('(nested too deep)');
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(flattenData(cycle, 10).rows).toEqual([
      ['a', 1],
      ['self', '(circular)'],
    ]);
  });

  it('writes a report table and the data, capped with a row that says how much was left out', () => {
    const data = { values: Array.from({ length: CUSTOM_ROW_LIMIT + 5 }, (_, i) => i) };
    const lines = renderCustomCsv({ title: 'Robot data', generated_at: '2026-12-07T08:00:00.000Z', data })
      .slice(1)
      .split('\r\n');
    expect(lines.slice(0, 6)).toEqual([
      '# report',
      'key,value',
      'title,Robot data',
      'type,custom',
      'generated_at,2026-12-07T08:00:00.000Z',
      '',
    ]);
    expect(lines.slice(6, 9)).toEqual(['# data', 'path,value', 'values.0,0']);
    expect(lines.filter((l) => l.startsWith('values.'))).toHaveLength(CUSTOM_ROW_LIMIT);
    expect(lines.at(-3)).toBe(`(truncated),${CUSTOM_ROW_LIMIT} of ${CUSTOM_ROW_LIMIT + 5} values written`);
  });
});
