import { decideLogFields } from '../../activities/delivery/status-rules';
import { endpointOfMirth, endpointOfUrl } from '../../src/logstore/endpoint';

describe("a delivery's endpoint: host[:port] only", () => {
  it.each([
    ['https://partner.example/hook', 'partner.example'],
    ['https://user:secret@Partner.Example:8443/bills/900001?patient=Asha%20Rao#x', 'partner.example:8443'],
    ['http://127.0.0.1:5555/hook?name=John', '127.0.0.1:5555'],
    ['http://[::1]:8080/x', '[::1]:8080'],
    ['mllp://10.0.0.7:6661', '10.0.0.7:6661'],
    ['not a url', null],
    [null, null],
  ] as const)('%j → %j', (url, endpoint) => {
    expect(endpointOfUrl(url)).toBe(endpoint);
  });

  it("a Mirth integration's host and port; nothing when either is missing", () => {
    expect(endpointOfMirth('mirth.lab.local', 6661)).toBe('mirth.lab.local:6661');
    expect(endpointOfMirth('10.0.0.7', '6662')).toBe('10.0.0.7:6662');
    expect(endpointOfMirth('10.0.0.7', undefined)).toBeNull();
    expect(endpointOfMirth(undefined, 6661)).toBeNull();
  });

  it("the log's fields name where the dispatch really went, without path, query or credentials", () => {
    const request = { method: 'GET', url: 'https://key:pw@partner.example/hook?patient=Asha', headers: {} };
    expect(decideLogFields({ kind: 'http', request, statusCode: 200, responseTimeMs: 3 }, 'webhook', 'livehealth').endpoint).toBe('partner.example');
    expect(decideLogFields({ kind: 'error', errorMessage: 'no URL' }, 'webhook', 'livehealth')).not.toHaveProperty('endpoint');
  });
});
