import { html, type Raw } from '../html.js';

const CHOICES = [900, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600];

/** Human form of a duration: `15 min`, `1 h`, `90 min`. */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${String(seconds / 3600)} h`;
  return `${String(Math.round(seconds / 60))} min`;
}

/** The session lengths offered for a role: the usual ones up to what the role allows, and that maximum; 1 h preselected. */
export function durationOptions(maxSeconds: number, selected = Math.min(3600, maxSeconds)): Raw[] {
  const values = [...new Set([...CHOICES.filter((s) => s < maxSeconds), maxSeconds])].sort((a, b) => a - b);
  return values.map((s) =>
    s === selected
      ? html`<option value="${s}" selected>${formatDuration(s)}</option>`
      : html`<option value="${s}">${formatDuration(s)}</option>`,
  );
}
