// An ethers v6 dApp script, with the library's defaults except the URLs:
// deploy SeqToken from its artifact, transfer, wait for receipts, read Transfer events
// with getLogs (queryFilter and provider.getLogs), and receive a Transfer through a
// WebSocket subscription (contract.on) for a transfer sent after subscribing.
//
// usage: node tests/js/client.mjs HTTP_URL WS_URL ARTIFACT_JSON PRIVATE_KEY
// Prints one JSON line {"ok": true, ...} and exits 0, or prints the error and exits 1.

import { readFileSync } from "node:fs";
import { ethers } from "ethers";

const [httpUrl, wsUrl, artifactPath, privateKey] = process.argv.slice(2);
if (!privateKey) {
  console.error("usage: client.mjs HTTP_URL WS_URL ARTIFACT_JSON PRIVATE_KEY");
  process.exit(2);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const artifact = JSON.parse(readFileSync(artifactPath, "utf8"));
  const provider = new ethers.JsonRpcProvider(httpUrl);
  // NonceManager: ethers caches identical requests for 250 ms, so a "pending" nonce read
  // right after a fast receipt can be stale; dApps sending back to back use this signer.
  const key = new ethers.Wallet(privateKey, provider);
  const wallet = new ethers.NonceManager(key);
  const me = key.address;
  const network = await provider.getNetwork();
  const startBalance = await provider.getBalance(me);
  check(startBalance > 0n, "the dev account is funded");

  // Deploy.
  const supply = 10n ** 24n;
  const factory = new ethers.ContractFactory(artifact.abi, artifact.bytecode, wallet);
  const token = await factory.deploy("Ethers Token", "ETK", supply);
  const deployTx = token.deploymentTransaction();
  await withTimeout(token.waitForDeployment(), 60000, "deployment");
  const deployReceipt = await withTimeout(deployTx.wait(), 60000, "deploy receipt");
  check(deployReceipt.status === 1, "deploy status 1");
  const address = await token.getAddress();
  check(deployReceipt.contractAddress === address, "receipt contractAddress");
  check((await provider.getCode(address)) === artifact.deployedBytecode, "deployed code");
  check((await token.name()) === "Ethers Token", "name()");
  check((await token.symbol()) === "ETK", "symbol()");
  check((await token.decimals()) === 18n, "decimals()");
  check((await token.balanceOf(me)) === supply, "balanceOf(deployer)");

  // Transfer.
  const alice = ethers.Wallet.createRandom().address;
  const tx = await token.transfer(alice, 1234n);
  const receipt = await withTimeout(tx.wait(), 60000, "transfer receipt");
  check(receipt.status === 1, "transfer status 1");
  check(receipt.logs.length === 1, "one log in the transfer receipt");
  const parsed = token.interface.parseLog(receipt.logs[0]);
  check(parsed.name === "Transfer", "the log is a Transfer");
  check(parsed.args.from === me && parsed.args.to === alice, "Transfer args");
  check(parsed.args.value === 1234n, "Transfer value");
  check((await token.balanceOf(alice)) === 1234n, "balanceOf(alice)");
  const fetched = await provider.getTransactionReceipt(tx.hash);
  check(fetched.blockHash === receipt.blockHash, "getTransactionReceipt");
  const fetchedTx = await provider.getTransaction(tx.hash);
  check(fetchedTx.from === me && fetchedTx.nonce === tx.nonce, "getTransaction");

  // Events through getLogs.
  const all = await token.queryFilter(token.filters.Transfer(), deployReceipt.blockNumber, "latest");
  check(all.length === 2, `queryFilter found ${all.length} Transfer events, expected 2`);
  check(all[0].args.from === ethers.ZeroAddress && all[0].args.value === supply, "mint event");
  check(all[1].args.to === alice && all[1].transactionHash === tx.hash, "transfer event");
  const toAlice = await provider.getLogs({
    address,
    fromBlock: deployReceipt.blockNumber,
    toBlock: "latest",
    topics: [token.interface.getEvent("Transfer").topicHash, null, ethers.zeroPadValue(alice, 32)],
  });
  check(toAlice.length === 1 && toAlice[0].transactionHash === tx.hash, "getLogs by topic");
  const byBlockHash = await provider.getLogs({ address, blockHash: receipt.blockHash });
  check(byBlockHash.some((l) => l.transactionHash === tx.hash), "getLogs by blockHash");

  // Events through a WebSocket subscription.
  const ws = new ethers.WebSocketProvider(wsUrl);
  let subscribed;
  try {
    const wsNetwork = await ws.getNetwork();
    check(wsNetwork.chainId === network.chainId, "chainId over WebSocket");
    const bob = ethers.Wallet.createRandom().address;
    const tokenWs = token.connect(ws);
    let resolveEvent;
    const received = new Promise((resolve) => {
      resolveEvent = resolve;
    });
    // With a filter, ethers passes the ContractEventPayload as the last argument.
    await tokenWs.on(tokenWs.filters.Transfer(null, bob), (...args) => {
      const ev = args[args.length - 1];
      resolveEvent({
        from: ev.args.from,
        to: ev.args.to,
        value: ev.args.value,
        hash: ev.log.transactionHash,
      });
    });
    // eth_subscribe goes out asynchronously; a later request on the same socket being
    // answered (plus a short pause) means the subscription is in place.
    await ws.send("eth_blockNumber", []);
    await new Promise((r) => setTimeout(r, 500));
    subscribed = (await tokenWs.listenerCount()) > 0;
    const tx2 = await token.transfer(bob, 777n);
    const event = await withTimeout(received, 60000, "Transfer event over the subscription");
    check(event.from === me && event.to === bob, "subscribed event args");
    check(event.value === 777n && event.hash === tx2.hash, "subscribed event value and hash");
    const receipt2 = await withTimeout(tx2.wait(), 60000, "second transfer receipt");
    check(receipt2.status === 1, "second transfer status");
    await tokenWs.removeAllListeners();
  } finally {
    await ws.destroy();
  }

  console.log(
    JSON.stringify({
      ok: true,
      chainId: network.chainId.toString(),
      token: address,
      transfer: tx.hash,
      subscribed,
    }),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
  },
);
