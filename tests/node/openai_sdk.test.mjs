// The official `openai` npm SDK against the real gateway: an independent
// client checks that the OpenAI-compatible HTTP API is what the SDK expects.
//
// Env (set by tools/test.sh; defaults to the bazel-bin outputs):
//   GATEWAY_BIN, MOCK_BIN; ACROSS_TEST_TIMEOUT_SCALE multiplies timeouts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import OpenAI from 'openai';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GATEWAY_BIN = process.env.GATEWAY_BIN || join(repo, 'bazel-bin', 'gateway', 'across_gateway');
const MOCK_BIN = process.env.MOCK_BIN || join(repo, 'bazel-bin', 'tests', 'mock_upstream', 'mock_upstream');
const SCALE = Number(process.env.ACROSS_TEST_TIMEOUT_SCALE || (process.env.ASAN_OPTIONS ? 4 : 1));
const t = (ms) => Math.round(ms * SCALE);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts `bin` and waits for it to write JSON to `file`.
async function startProcess(name, bin, args, file, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), `across-node-${name}-`));
  const readyFile = join(dir, file);
  const child = spawn(bin, args(readyFile, dir), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = { name, child, dir, stdout: '', stderr: '', exited: null };
  child.stdout.on('data', (d) => { proc.stdout += d; });
  child.stderr.on('data', (d) => { proc.stderr += d; });
  proc.exit = new Promise((r) => child.on('exit', (code, signal) => {
    proc.exited = { code, signal };
    r(proc.exited);
  }));
  const deadline = Date.now() + t(20000);
  for (;;) {
    if (proc.exited) throw new Error(`${name} exited early ${JSON.stringify(proc.exited)}: ${proc.stderr}`);
    if (existsSync(readyFile)) {
      try {
        proc.ready = JSON.parse(readFileSync(readyFile, 'utf8'));
        return proc;
      } catch { /* half written */ }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready after ${t(20000)} ms: ${proc.stderr}`);
    }
    await sleep(20);
  }
}

async function stopProcess(proc) {
  if (!proc) return null;
  if (!proc.exited) {
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), t(10000));
    await proc.exit;
    clearTimeout(timer);
  }
  rmSync(proc.dir, { recursive: true, force: true });
  return proc.exited;
}

function startGateway(configText, env) {
  return startProcess('gateway', GATEWAY_BIN, (ready, dir) => {
    const args = ['--http_port=0', '--grpc_port=0', '--listen_address=127.0.0.1', `--ready_file=${ready}`];
    if (configText) {
      const config = join(dir, 'config.yaml');
      writeFileSync(config, configText);
      args.push(`--config=${config}`);
    }
    return args;
  }, 'ready.json', env);
}

function client(gateway, options = {}) {
  return new OpenAI({
    baseURL: `http://127.0.0.1:${gateway.ready.http_port}/v1`,
    apiKey: 'test',
    timeout: t(20000),
    ...options,
  });
}

describe('openai SDK against the gateway (built-in echo model)', () => {
  let gateway;
  let openai;

  before(async () => {
    gateway = await startGateway(null);
    openai = client(gateway);
  });

  after(async () => {
    const exited = await stopProcess(gateway);
    assert.deepEqual(exited, { code: 0, signal: null }, `gateway exit: ${gateway.stderr.slice(-2000)}`);
  });

  test('chat.completions.create (unary)', async () => {
    const text = 'hello from the node sdk';
    const res = await openai.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: text }],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.equal(res.choices[0].message.content, text);
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.ok(res.usage.total_tokens > 0);
  });

  test('withResponse exposes the gateway headers', async () => {
    const { response } = await openai.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-across-trace-id': 'node-trace-1' } })
      .withResponse();
    assert.equal(response.headers.get('x-across-trace-id'), 'node-trace-1');
    assert.equal(response.headers.get('x-across-provider'), 'echo');
  });

  test('chat.completions.create (stream)', async () => {
    const text = 'streaming is word by word over server sent events';
    const stream = await openai.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: text }],
      stream: true,
    });
    let assembled = '';
    let chunks = 0;
    let finish = null;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.object, 'chat.completion.chunk');
      for (const choice of chunk.choices) {
        assembled += choice.delta?.content ?? '';
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      assert.ok(!chunk.usage, 'usage chunk without include_usage');
    }
    assert.equal(assembled, text);
    assert.ok(chunks >= text.split(' ').length, `only ${chunks} chunks`);
    assert.equal(finish, 'stop');
  });

  test('chat.completions.create (stream with include_usage)', async () => {
    const stream = await openai.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'count me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage.completion_tokens > 0);
  });

  test('embeddings.create (SDK default encoding, base64)', async () => {
    const res = await openai.embeddings.create({ model: 'echo', input: ['first', 'second'] });
    assert.equal(res.object, 'list');
    assert.equal(res.data.length, 2);
    assert.deepEqual(res.data.map((d) => d.index), [0, 1]);
    const dims = res.data[0].embedding.length;
    assert.ok(dims > 0);
    for (const d of res.data) {
      assert.ok(Array.isArray(d.embedding), `embedding is ${typeof d.embedding}`);
      assert.equal(d.embedding.length, dims);
      assert.ok(d.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
    }
    // The same vectors as the float encoding.
    const plain = await openai.embeddings.create({ model: 'echo', input: ['first', 'second'], encoding_format: 'float' });
    for (let i = 0; i < 2; i += 1) {
      plain.data[i].embedding.forEach((x, j) => assert.ok(Math.abs(x - res.data[i].embedding[j]) < 1e-5));
    }
  });

  test('models.list', async () => {
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ['echo']);
  });

  test('unknown model → NotFoundError (404)', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `got ${err?.constructor?.name}: ${err}`);
        assert.equal(err.status, 404);
        assert.equal(err.code, 'model_not_found');
        assert.match(err.message, /no-such-model/);
        return true;
      },
    );
  });

  test('invalid request → BadRequestError (400)', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'echo', messages: [] }),
      (err) => {
        assert.ok(err instanceof OpenAI.BadRequestError, `got ${err?.constructor?.name}: ${err}`);
        assert.equal(err.status, 400);
        assert.equal(err.param, 'messages');
        return true;
      },
    );
  });
});

describe('openai SDK through the gateway to the mock upstream', () => {
  let mock;
  let gateway;
  let openai;
  const key = `sk-mock-${randomBytes(12).toString('hex')}`;

  before(async () => {
    mock = await startProcess('mock', MOCK_BIN, (ready) => [`--port_file=${ready}`, `--require_key=${key}`], 'port.json');
    const config = `providers:
  - id: mock
    type: openai
    base_url: "http://127.0.0.1:${mock.ready.port}/v1"
    api_key_env: MOCK_KEY
models:
  - name: gpt-mock
    provider: mock
    upstream_model: gpt-4o-mini
`;
    gateway = await startGateway(config, { MOCK_KEY: key });
    openai = client(gateway, { maxRetries: 0 });
  });

  after(async () => {
    const exited = await stopProcess(gateway);
    await stopProcess(mock);
    assert.deepEqual(exited, { code: 0, signal: null }, `gateway exit: ${gateway.stderr.slice(-2000)}`);
    assert.ok(!gateway.stdout.includes(key) && !gateway.stderr.includes(key), 'API key in gateway logs');
  });

  test('streamed chat from the upstream', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-mock',
      messages: [{ role: 'user', content: 'anything' }],
      stream: true,
      // Unknown keys pass through the gateway to the upstream untouched.
      mock: { words: 4, drip_ms: 20 },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.deepEqual(text.split(/\s+/).filter(Boolean), ['w0', 'w1', 'w2', 'w3']);
  });

  test('upstream 429 → RateLimitError with retry-after', async () => {
    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-mock',
        messages: [{ role: 'user', content: 'hi' }],
        mock: { status: 429, retry_after: '7' },
      }),
      (err) => {
        assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}: ${err}`);
        assert.equal(err.status, 429);
        assert.equal(err.headers.get('retry-after'), '7');
        assert.match(err.message, /mock: /);
        return true;
      },
    );
  });
});
