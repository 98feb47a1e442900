import {
  formatDateTime,
  formatDecimal,
  formatDurationOrDash,
  formatOffset,
  formatPercent,
  formatValue,
  localToUtc,
  resolveTimeZone,
  sanitizeWinAnsi,
  zoneLabel,
  zoneOffsetMs,
} from './text';

describe('sanitizeWinAnsi', () => {
  it('keeps what WinAnsi encodes: ASCII, Latin-1 and the few typographic marks', () => {
    expect(sanitizeWinAnsi('tonypi_01 60 °C 2×3 a–b c—d “q” ‘s’ … € ™ Zürich ß')).toBe(
      'tonypi_01 60 °C 2×3 a–b c—d “q” ‘s’ … € ™ Zürich ß',
    );
  });

  it('replaces anything else with one ? per character, an emoji included', () => {
    expect(sanitizeWinAnsi('rover-δ ✓ 机器人 🚀')).toBe('rover-? ? ??? ?');
  });

  it('composes accents typed as combining marks instead of losing them', () => {
    expect(sanitizeWinAnsi('Zu\u0308rich')).toBe('Zürich');
  });

  it('turns line breaks and tabs into spaces, and other control characters into ?', () => {
    expect(sanitizeWinAnsi('a\tb\r\nc\u0000d\u0085e')).toBe('a b  c?d?e');
  });
});

describe('formatting', () => {
  it('writes durations as the findings do, and a dash without one', () => {
    expect(formatDurationOrDash(7800)).toBe('2 h 10 min');
    expect(formatDurationOrDash(45)).toBe('45 s');
    expect(formatDurationOrDash(90)).toBe('1 min 30 s');
    expect(formatDurationOrDash(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
    expect(formatDurationOrDash(null)).toBe('–');
    expect(formatDurationOrDash(Number.NaN)).toBe('–');
  });

  it('writes numbers with fixed decimals and thousands separators, never -0', () => {
    expect(formatDecimal(12345.678, 1)).toBe('12,345.7');
    expect(formatDecimal(3, 2)).toBe('3.00');
    expect(formatDecimal(-0.04, 1)).toBe('0.0');
    expect(formatDecimal(-1.25, 1)).toBe('-1.3');
    expect(formatDecimal(null)).toBe('–');
    expect(formatDecimal(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatPercent(92.04)).toBe('92.0%');
  });

  it('writes evidence values with the decimals they need', () => {
    expect(formatValue(32.5)).toBe('32.5');
    expect(formatValue(130)).toBe('130');
    expect(formatValue(0.125)).toBe('0.13');
    expect(formatValue(2400)).toBe('2,400');
    expect(formatValue(true)).toBe('yes');
    expect(formatValue(null)).toBe('–');
    expect(formatValue('servo_3')).toBe('servo_3');
  });
});

describe('times in a zone', () => {
  it('shows the wall clock of the report’s zone', () => {
    expect(formatDateTime('2026-12-07T13:30:00Z', 'Europe/Berlin')).toBe('7 Dec 2026, 14:30');
    expect(formatDateTime('2026-12-07T13:30:00Z', 'Asia/Kolkata')).toBe('7 Dec 2026, 19:00');
    expect(formatDateTime('2026-07-01T00:00:00Z', 'America/New_York')).toBe('30 Jun 2026, 20:00');
    expect(formatDateTime('2026-12-07T13:30:00Z', 'UTC', false)).toBe('7 Dec, 13:30');
    expect(formatDateTime('not a time', 'UTC')).toBe('–');
  });

  it('knows offsets, and the instant of a local time across a DST change', () => {
    expect(zoneOffsetMs(Date.parse('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(new Date(localToUtc(Date.UTC(2026, 2, 8, 12), 'America/New_York')).toISOString()).toBe(
      '2026-03-08T16:00:00.000Z',
    );
    expect(formatOffset(19_800_000)).toBe('UTC+5:30');
    expect(formatOffset(-18_000_000)).toBe('UTC-5');
  });

  it('names the zone with its offsets over the period', () => {
    expect(zoneLabel('Europe/Berlin', '2026-12-01T00:00:00Z', '2026-12-08T00:00:00Z')).toBe('Europe/Berlin (UTC+1)');
    expect(zoneLabel('Europe/Berlin', '2026-03-20T00:00:00Z', '2026-04-03T00:00:00Z')).toBe(
      'Europe/Berlin (UTC+1/UTC+2)',
    );
    expect(zoneLabel('UTC', '2026-12-01T00:00:00Z', '2026-12-08T00:00:00Z')).toBe('UTC');
  });

  it('falls back to UTC for a zone this Node does not know, and says so', () => {
    expect(resolveTimeZone('Mars/Olympus_Mons')).toBe('UTC');
    expect(formatDateTime('2026-12-07T13:30:00Z', 'Mars/Olympus_Mons')).toBe('7 Dec 2026, 13:30');
    expect(zoneLabel('Mars/Olympus_Mons', 0, 1)).toBe('UTC (Mars/Olympus_Mons unknown)');
  });
});
