import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callbackAllowed } from '../../../src/faces/rdv/callbacks.ts';

describe('the JobUpdated ReplyTo allow-list', () => {
  it('compares origin and path, parsed, not text', () => {
    const allow = ['http://good.example', 'https://cb.example.test:9443/rdv/'];
    const cases: [string, boolean][] = [
      ['http://good.example/', true],
      ['http://good.example/any/path', true],
      ['http://good.example.evil.test/', false],
      ['http://good.example:8080/', false],
      ['https://good.example/', false],
      ['http://user:pw@good.example/', false],
      ['https://cb.example.test:9443/rdv/jobs', true],
      ['https://cb.example.test:9443/other', false],
      ['ftp://good.example/', false],
      ['not a url', false],
    ];
    for (const [url, want] of cases) assert.equal(callbackAllowed(url, allow), want, url);
    assert.equal(callbackAllowed('http://good.example/', []), false, 'no allow-list: no ReplyTo');
  });
});
