import ipaddr from 'ipaddr.js';
import { InputError } from '../errors';
import type { TargetPolicy } from '../net/target-guard';
import type { IntegrationInput } from './integration-input';

/**
 * The save-time half of the outbound target guard: a webhook URL or Mirth host written as an IP
 * address that the guard would refuse is refused when the integration is saved, naming the field,
 * so an admin learns it at once rather than from a failed delivery. Host names cannot be judged
 * here (they may resolve elsewhere at send time); the connect-time guard decides for them.
 */
export function assertTargetsAllowed(input: IntegrationInput, policy: TargetPolicy): void {
  const check = (field: string, host: string | undefined): void => {
    const literal = host?.replace(/^\[(.*)\]$/, '$1');
    if (literal === undefined || !ipaddr.isValid(literal)) return;
    const reason = policy(literal);
    if (reason !== undefined) throw new InputError(field, `${literal} is a ${reason} address; not allowed unless TARGET_ALLOWLIST includes it`);
  };
  const urlHost = (url: string | undefined) => (url === undefined ? undefined : new URL(url).hostname);
  check('url', urlHost(input.url));
  check('extraDetails.host', input.extraDetails.host);
  input.integrations.forEach((trigger, index) => {
    check(`integrations.${index}.url`, urlHost(trigger.url));
    check(`integrations.${index}.extraDetails.host`, trigger.extraDetails.host);
  });
}
