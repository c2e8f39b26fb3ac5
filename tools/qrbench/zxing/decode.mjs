// decode.mjs reads the image files named on stdin (one path a line) with
// ZXing-C++ through zxing-wasm and prints one JSON line per file:
// {"file": path, "texts": [...], "ms": decode time}. It is the second
// reference decoder of tools/qrbench (make bench-qr); the .wasm is loaded
// from node_modules through locateFile, never from the network.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { prepareZXingModule, readBarcodes, ZXING_WASM_VERSION, ZXING_CPP_COMMIT } from "zxing-wasm/reader";

const require = createRequire(import.meta.url);
const wasmPath = require.resolve("zxing-wasm/reader/zxing_reader.wasm");

// Node's fetch reads no file: URLs, so locateFile points at an object URL
// of the .wasm read from node_modules.
const wasmURL = URL.createObjectURL(new Blob([readFileSync(wasmPath)], { type: "application/wasm" }));
prepareZXingModule({
  overrides: {
    locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmURL : prefix + path),
  },
  fireImmediately: true,
});

const opts = { formats: ["QRCode"], tryHarder: true, tryRotate: true, tryInvert: true, tryDownscale: true, maxNumberOfSymbols: 1 };

console.log(JSON.stringify({ version: ZXING_WASM_VERSION, zxingCppCommit: ZXING_CPP_COMMIT }));
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const file = line.trim();
  if (!file) continue;
  const bytes = new Uint8Array(readFileSync(file));
  const start = performance.now();
  const res = await readBarcodes(bytes, opts);
  const ms = performance.now() - start;
  console.log(JSON.stringify({ file, texts: res.filter((r) => r.isValid).map((r) => r.text), ms }));
}
