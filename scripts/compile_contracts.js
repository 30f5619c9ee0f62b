#!/usr/bin/env node
// Compiles every contracts/*.sol with npm solc 0.8.24 (offline, standard JSON) and
// writes one artifact per contract to src/seqguard/contracts/<Name>.json:
// {contractName, sourceName, compiler, abi, bytecode, deployedBytecode}.
// Run through `make contracts`.
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

const ROOT = path.resolve(__dirname, "..");
const SRC_DIR = path.join(ROOT, "contracts");
const OUT_DIR = path.join(ROOT, "src", "seqguard", "contracts");
const EXPECTED_VERSION = "0.8.24";

function main() {
  const version = solc.version();
  if (!version.startsWith(EXPECTED_VERSION)) {
    throw new Error(`expected solc ${EXPECTED_VERSION}, got ${version}`);
  }
  const files = fs
    .readdirSync(SRC_DIR)
    .filter((f) => f.endsWith(".sol"))
    .sort();
  if (files.length === 0) throw new Error(`no .sol files in ${SRC_DIR}`);

  const sources = {};
  for (const f of files) {
    sources[f] = { content: fs.readFileSync(path.join(SRC_DIR, f), "utf8") };
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      // No metadata hash: the bytecode then depends only on the source, not on paths.
      metadata: { bytecodeHash: "none", appendCBOR: false },
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
      },
    },
  };

  const findImports = (p) => {
    const full = path.join(SRC_DIR, p);
    if (fs.existsSync(full)) return { contents: fs.readFileSync(full, "utf8") };
    return { error: `not found: ${p}` };
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  let failed = false;
  for (const e of output.errors || []) {
    const msg = e.formattedMessage || e.message;
    if (e.severity === "error") {
      failed = true;
      console.error(msg);
    } else {
      console.warn(msg);
    }
  }
  if (failed) process.exit(1);

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const written = new Set();
  for (const sourceName of Object.keys(output.contracts).sort()) {
    for (const [name, c] of Object.entries(output.contracts[sourceName])) {
      if (written.has(name)) throw new Error(`duplicate contract name ${name}`);
      written.add(name);
      const artifact = {
        contractName: name,
        sourceName: `contracts/${sourceName}`,
        compiler: {
          version,
          evmVersion: input.settings.evmVersion,
          optimizer: input.settings.optimizer,
        },
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
      };
      fs.writeFileSync(path.join(OUT_DIR, `${name}.json`), JSON.stringify(artifact, null, 2) + "\n");
      console.log(`wrote src/seqguard/contracts/${name}.json`);
    }
  }
  // Drop artifacts of contracts that no longer exist.
  for (const f of fs.readdirSync(OUT_DIR)) {
    if (f.endsWith(".json") && !written.has(f.slice(0, -5))) {
      fs.unlinkSync(path.join(OUT_DIR, f));
      console.log(`removed stale src/seqguard/contracts/${f}`);
    }
  }
}

main();
