// Bank-core's error body as the page shows it; pure (no DOM), so tested directly.

/** "body.toAccountNumber" -> "To account number": a request field as the customer would name it. */
export function fieldLabel(path: string): string {
  const field = path.replace(/^(body|query|params)\./, '');
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Bank-core's error body as the page shows it; exported for its tests. */
export function describe(body: unknown, status: number): { message: string; code: string; details?: unknown } {
  const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  if (!error?.message) return { message: `The bank answered ${status}. Please try again.`, code: 'HTTP_' + status };
  const details = Array.isArray(error.details)
    ? (error.details as { path: string; message: string }[]).map((d) => `${fieldLabel(d.path)}: ${d.message}`)
    : [];
  return {
    // The customer reads which field and why ("Amount: At most ..."), not the envelope ("Invalid request body").
    message: details.length ? details.join('. ') : error.message,
    code: error.code ?? 'ERROR',
    details: error.details,
  };
}
