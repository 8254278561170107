import { spawnSync } from 'node:child_process';

/**
 * The text of a PDF as lines (items on one baseline joined left to right), page by page, read by
 * Mozilla's pdf.js. It runs in plain Node: pdf.js is an ES module, which Jest's loader does not take.
 * @throws Error with pdf.js's message when the bytes are not a readable PDF.
 */
export function pdfLines(pdf: Buffer): string[] {
  const script = `
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', async () => {
      try {
        const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
        const doc = await pdfjs.getDocument({ data: new Uint8Array(Buffer.concat(chunks)), verbosity: 0 }).promise;
        const lines = [];
        for (let n = 1; n <= doc.numPages; n += 1) {
          const { items } = await (await doc.getPage(n)).getTextContent();
          const rows = new Map();
          for (const item of items) {
            if (!item.str.trim()) continue;
            const y = Math.round(item.transform[5]);
            const key = [...rows.keys()].find((k) => Math.abs(k - y) <= 2) ?? y;
            rows.set(key, [...(rows.get(key) ?? []), item]);
          }
          for (const [, row] of [...rows].sort((a, b) => b[0] - a[0])) {
            // pdf.js splits a string where the font kerns two letters; pieces that touch are one cell.
            let text = '';
            let end = -Infinity;
            for (const item of row.sort((a, b) => a.transform[4] - b.transform[4])) {
              const x = item.transform[4];
              text += text === '' ? item.str.trim() : x - end < 3 ? item.str : ' | ' + item.str.trim();
              end = x + item.width;
            }
            lines.push(text.trim());
          }
        }
        process.stdout.write(JSON.stringify(lines));
      } catch (error) {
        process.stderr.write(String(error && error.message));
        process.exit(1);
      }
    });`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: __dirname, input: pdf, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`pdf.js could not read the PDF: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}
