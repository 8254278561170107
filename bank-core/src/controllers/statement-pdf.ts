import path from 'node:path';
import PDFDocument from 'pdfkit';
import type { HistoryEntry } from '../repositories/history.repository';
import type { StatementAccount } from '../repositories/account.repository';
import { toPrintable } from '../utils/money';

export const BANK_NAME = 'Bank';

export interface StatementInput {
  account: StatementAccount;
  period: { from: Date; to: Date };
  /** Minor units. */
  opening: number;
  entries: () => AsyncIterable<HistoryEntry>;
}

/*
 * pdfkit's built-in Helvetica covers Latin-1 only: a Cyrillic name or a Yoruba narration ("Ọkàn ẹ") printed
 * as garbage. DejaVu Sans (embedded, subset to the glyphs used) covers Latin, Latin Extended (with the
 * Extended Additional letters of Yoruba and Vietnamese), Greek and Cyrillic; a character it lacks (an emoji)
 * prints as an empty box, and the rest of the line is unharmed. References are in DejaVu Sans Mono, whose
 * metrics match the rest of the row (Courier's baseline sat lower, so a reader split the row in two).
 */
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = 'DejaVuSans';
const BOLD = 'DejaVuSans-Bold';
const MONO = 'DejaVuSansMono';

const MARGIN = 40;
const COLUMNS = [
  { title: 'Date (UTC)', width: 80, align: 'left' },
  // Monospaced, so an 18-character reference of wide letters still fits on one line.
  { title: 'Reference', width: 105, align: 'left', mono: true },
  { title: 'Details', width: 150, align: 'left' },
  { title: 'Amount', width: 90, align: 'right' },
  { title: 'Balance', width: 90, align: 'right' },
] as const;
const day = (date: Date) => date.toISOString().slice(0, 10);
const minute = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');

function details(entry: HistoryEntry): string {
  const party = entry.counterparty
    ? `${entry.amount < 0 ? 'to' : 'from'} ${entry.counterparty.name} (${entry.counterparty.accountNumber})`
    : '';
  return [entry.type, party, entry.narration ?? ''].filter(Boolean).join(' · ');
}

/**
 * Draws an account statement (bank, holder, account number, currency, period, opening and closing
 * balance, money in and out, every entry) into `out` with pdfkit, and resolves once it is written.
 * Entries are gathered first because the summary above the table needs the closing balance; pages
 * are buffered so the footer can say "page n of m".
 */
export async function writeStatementPdf(out: NodeJS.WritableStream, { account, period, opening, entries }: StatementInput): Promise<void> {
  const rows: HistoryEntry[] = [];
  for await (const entry of entries()) rows.push(entry);
  const closing = rows.length > 0 ? rows[rows.length - 1]!.balanceAfter : opening;
  const moneyIn = rows.reduce((sum, entry) => (entry.amount > 0 ? sum + entry.amount : sum), 0);
  const moneyOut = rows.reduce((sum, entry) => (entry.amount < 0 ? sum - entry.amount : sum), 0);
  const money = (minor: number) => toPrintable(minor, account.currency);

  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `Statement ${account.accountNumber} ${day(period.from)} to ${day(period.to)}`, Author: BANK_NAME },
  });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  doc.registerFont(REGULAR, path.join(FONT_DIR, 'DejaVuSans.ttf'));
  doc.registerFont(BOLD, path.join(FONT_DIR, 'DejaVuSans-Bold.ttf'));
  doc.registerFont(MONO, path.join(FONT_DIR, 'DejaVuSansMono.ttf'));

  doc.font(BOLD).fontSize(20).text(BANK_NAME);
  doc.font(REGULAR).fontSize(12).text('Account statement').moveDown();
  const facts: [string, string][] = [
    ['Account holder', account.holderName],
    ['Account number', account.accountNumber],
    ['Account name', account.description || '-'],
    ['Currency', account.currency],
    ['Period', `${minute(period.from)} to ${minute(period.to)} UTC`],
    ['Opening balance', money(opening)],
    ['Money in', money(moneyIn)],
    ['Money out', money(moneyOut)],
    ['Closing balance', money(closing)],
  ];
  doc.fontSize(10);
  for (const [label, value] of facts) {
    const y = doc.y;
    doc.font(BOLD).text(label, MARGIN, y, { width: 120 });
    doc.font(REGULAR).text(value, MARGIN + 130, y, { width: 385 });
  }
  doc.moveDown();

  const bottom = doc.page.height - MARGIN - 20;
  const fontOf = (column: (typeof COLUMNS)[number], bold: boolean) => (bold ? BOLD : 'mono' in column && column.mono ? MONO : REGULAR);
  const drawRow = (cells: string[], bold = false) => {
    doc.fontSize(8);
    const height =
      Math.max(...cells.map((cell, i) => doc.font(fontOf(COLUMNS[i]!, bold)).heightOfString(cell, { width: COLUMNS[i]!.width - 6 }))) + 6;
    if (doc.y + height > bottom) doc.addPage();
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((cell, i) => {
      const column = COLUMNS[i]!;
      doc.font(fontOf(column, bold)).text(cell, x, y + 3, { width: column.width - 6, align: column.align });
      x += column.width;
    });
    doc
      .moveTo(MARGIN, y + height)
      .lineTo(MARGIN + 515, y + height)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    doc.x = MARGIN;
    doc.y = y + height;
  };
  drawRow(
    COLUMNS.map((column) => column.title),
    true,
  );
  drawRow([minute(period.from), '', 'Opening balance', '', money(opening)]);
  for (const entry of rows) {
    drawRow([minute(entry.createdAt), entry.reference, details(entry), money(entry.amount), money(entry.balanceAfter)]);
  }
  drawRow([minute(period.to), '', 'Closing balance', '', money(closing)]);

  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    doc
      .font(REGULAR)
      .fontSize(8)
      .text(`${BANK_NAME} · ${account.accountNumber} · page ${index + 1} of ${range.count}`, MARGIN, doc.page.height - MARGIN - 10, {
        width: 515,
        align: 'center',
        lineBreak: false,
      });
  }
  doc.end();
  await done;
}
