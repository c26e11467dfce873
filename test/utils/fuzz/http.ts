import http from 'node:http';
import type { FuzzRequest } from './arbitraries';

export interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** the parsed body when it is JSON, else undefined */
  body: unknown;
}

/**
 * Sends generated requests over one kept-alive connection to the listening api: real HTTP,
 * byte for byte as generated (bodies are not re-encoded, headers are not added), and far
 * cheaper than a fresh server and connection per request.
 */
export class FuzzClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async send(r: FuzzRequest): Promise<FuzzResponse> {
    try {
      return await this.once(r, this.agent);
    } catch (error) {
      // The server may close a kept-alive connection (after a 413, say) just as it is reused.
      if (!['ECONNRESET', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      return this.once(r, false);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private once(r: FuzzRequest, agent: http.Agent | false): Promise<FuzzResponse> {
    const payload = r.body?.payload === undefined ? undefined : Buffer.isBuffer(r.body.payload) ? r.body.payload : Buffer.from(r.body.payload, 'utf8');
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body?.contentType !== undefined) headers['Content-Type'] = r.body.contentType;
    if (payload) headers['Content-Length'] = payload.length;
    return new Promise<FuzzResponse>((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method: r.method.toUpperCase(), path: r.url, headers, agent, timeout: 20_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          if (/[/+]json\b/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
