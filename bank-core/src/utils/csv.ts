/**
 * One CSV cell. Text a user wrote (narrations, names) may start with a formula character; such a
 * cell is prefixed with an apostrophe so a spreadsheet shows it instead of evaluating it.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  // A plain decimal ("-2.50") is a number, not a formula; anything else starting like one is defused.
  const text = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (cells: (string | number | null)[]) => `${cells.map(csvCell).join(',')}\r\n`;
