import { spawn, type ChildProcess } from 'node:child_process';

const SERVER = `
const http = require('node:http');
const body = process.env.COMPONENTS_BODY;
http.createServer((req, res) => {
  if (req.url === '/shipshape/components') { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); }
  else { res.writeHead(404); res.end(); }
}).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });
`;

/** A real running instance: a separate node process serving its components endpoint on a free port. */
export interface RunningInstance {
  readonly address: string;
  stop(): Promise<void>;
}

export async function startInstance(body: unknown): Promise<RunningInstance> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], { env: { ...process.env, COMPONENTS_BODY: JSON.stringify(body) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
    child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
  });
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
