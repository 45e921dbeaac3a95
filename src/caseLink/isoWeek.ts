const DAY_MS = 86_400_000;

/**
 * The ISO 8601 week of a moment, in UTC, as `2026-W49`: weeks start on Monday and
 * belong to the year of their Thursday. UTC like every other statistic (days and
 * months), so a week never straddles two months of the published tables.
 */
export function isoWeek(at: Date): string {
  const thursday = thursdayOf(at);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The ISO weeks counted in [from, to): those whose Thursday falls in it. A week belongs
 * to the month of its Thursday, as it belongs to the year of its Thursday, so each week
 * is counted in exactly one calendar month and two months never share a week.
 */
export function weeksOf(from: Date, to: Date): string[] {
  const weeks: string[] = [];
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let t = start; t < to.getTime(); t += DAY_MS) {
    if (t >= from.getTime() && new Date(t).getUTCDay() === 4) weeks.push(isoWeek(new Date(t)));
  }
  return weeks;
}

/** Midnight (UTC) of the Thursday of the ISO week holding `at`. */
function thursdayOf(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = day.getUTCDay() || 7; // Monday 1 … Sunday 7
  return new Date(day.getTime() + (4 - weekday) * DAY_MS);
}
