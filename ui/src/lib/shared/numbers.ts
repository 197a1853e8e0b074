/** Numbers as typed into a form field (the SMTP and mailbox ports, backup and retention periods). */

/** A whole number within bounds, or null. */
export function wholeNumber(value: string, min: number, max: number): number | null {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n >= min && n <= max ? n : null;
}
