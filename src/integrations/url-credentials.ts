/**
 * Credentials in a webhook URL (`https://user:pass@host/`) are refused when an integration is
 * saved: undici never sends them, and the URL is written to every log's `request.url`. A URL
 * stored before that rule is sent and shown without them.
 */
export const URL_CREDENTIALS_MESSAGE =
  'credentials in the URL are not allowed; set extraDetails["x-api-key"] (sent as the x-api-key header) or extraDetails.signingSecret (signed requests)';

export function hasUrlCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** The URL without its user-info; unparseable text is returned as it is (the dispatch refuses it). */
export function withoutUrlCredentials(url: string): string {
  if (!hasUrlCredentials(url)) return url;
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
