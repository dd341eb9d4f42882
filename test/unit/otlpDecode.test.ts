import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { decodeLogs, decodeSpans, encodeExportResponse, encodeStatus, OtlpDecodeError } from '../../src/core/agents/otlpDecode';

const root = path.resolve(__dirname, '..', '..');

test('the committed descriptor is what the vendored protos give (scripts/otlp-descriptor.mjs --check)', () => {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'otlp-descriptor.mjs'), '--check'], { stdio: 'pipe' });
});

test('OTLP/JSON: hex ids, string int64 times, attributes of every scalar kind', () => {
  const body = Buffer.from(JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] },
      scopeSpans: [{ spans: [{
        traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'execute_tool x',
        startTimeUnixNano: '1764590400000000000', endTimeUnixNano: '1764590401000000000', status: { code: 2 },
        attributes: [
          { key: 's', value: { stringValue: 'v' } }, { key: 'i', value: { intValue: '42' } },
          { key: 'd', value: { doubleValue: 1.5 } }, { key: 'b', value: { boolValue: true } },
          { key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }] } } },
        ],
      }] }],
    }],
  }));
  const [span] = decodeSpans(body, 'json');
  assert.equal(span.traceId, '5b8efff798038103d269b633813fc60c');
  assert.equal(span.spanId, 'eee19b7ec3c1b174');
  assert.equal(span.endUnixNano - span.startUnixNano, 1_000_000_000n);
  assert.equal(span.statusCode, 2);
  assert.deepEqual([...span.attributes], [['s', 'v'], ['i', 42], ['d', 1.5], ['b', true], ['list', null]]);
  assert.equal(span.resource.get('service.name'), 'agent');
});

test('malformed bodies are refused with a message that says what is wrong', () => {
  assert.throws(() => decodeLogs(Buffer.from('{"resourceLogs": '), 'json'), (err: Error) => err instanceof OtlpDecodeError && /not JSON/.test(err.message));
  assert.throws(() => decodeLogs(Buffer.from('[1]'), 'json'), /must be a JSON object/);
  assert.throws(() => decodeLogs(Buffer.from('{"resourceLogs": 5}'), 'json'), (err: Error) => err instanceof OtlpDecodeError && /ExportLogsServiceRequest/.test(err.message));
  assert.throws(() => decodeSpans(Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}'), 'json'), /traceId must be hex/);
  assert.throws(() => decodeLogs(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'protobuf'), (err: Error) => err instanceof OtlpDecodeError && /protobuf/.test(err.message));
});

test('responses: empty when all is accepted, partial_success with count and reason otherwise, Status for refusals', () => {
  assert.equal(Buffer.from(encodeExportResponse('logs', 0, '', 'json')).toString(), '{}');
  assert.deepEqual(JSON.parse(Buffer.from(encodeExportResponse('logs', 2, 'why', 'json')).toString()), { partialSuccess: { rejectedLogRecords: 2, errorMessage: 'why' } });
  assert.deepEqual(JSON.parse(Buffer.from(encodeExportResponse('traces', 1, 'why', 'json')).toString()), { partialSuccess: { rejectedSpans: 1, errorMessage: 'why' } });
  // field 1 (partial_success, length-delimited) holding field 1 (rejected = 2) and field 2 (message "why")
  assert.deepEqual([...encodeExportResponse('logs', 2, 'why', 'protobuf')], [0x0a, 0x07, 0x08, 0x02, 0x12, 0x03, 0x77, 0x68, 0x79]);
  assert.deepEqual(JSON.parse(Buffer.from(encodeStatus(3, 'bad', 'json')).toString()), { code: 3, message: 'bad' });
});
