// Builds src/core/agents/otlpDescriptor.json from the vendored .proto files (vendor/README.md): the
// protobuf.js descriptor of the OTLP logs and trace export services and google.rpc.Status. The
// receiver loads it with protobufjs/light, so no .proto parser ships. `--check` exits 1 when the
// committed descriptor differs from what the vendored files give.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'src', 'core', 'agents', 'otlpDescriptor.json');
const files = [
  'opentelemetry-proto/opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'opentelemetry-proto/opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'googleapis/google/rpc/status.proto',
];

export function buildDescriptor() {
  const loader = new protobuf.Root();
  const includes = [path.join(root, 'vendor', 'opentelemetry-proto'), path.join(root, 'vendor', 'googleapis')];
  loader.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    const found = includes.map((dir) => path.join(dir, target)).find((file) => fs.existsSync(file));
    // google/protobuf/*.proto are protobuf.js's own common types.
    return found ?? target;
  };
  loader.loadSync(files.map((file) => path.join(root, 'vendor', file)), { keepCase: false });
  return `${JSON.stringify(loader.toJSON(), null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = buildDescriptor();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(root, out)} is out of date: run node scripts/otlp-descriptor.mjs`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(out, text);
    console.log(`wrote ${path.relative(root, out)} (${text.length} bytes)`);
  }
}
