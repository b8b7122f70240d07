// Real secured endpoints on 127.0.0.1 for connection tests: certificates made with openssl (a CA, a server
// certificate for localhost/127.0.0.1, a client certificate, and a rogue client certificate from another CA),
// and nginx (Debian's nginx-light, installed by scripts/stack) terminating TLS in front of a stack server.
// The refusals are nginx's, not ours: a client certificate it cannot verify, a wrong bearer token.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server-process';

export interface Certs {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Signed by another CA: a server that checks client certificates refuses it. */
  rogueCert: string;
  rogueKey: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** A CA, a server certificate (SAN localhost, 127.0.0.1), a client certificate and a rogue one. */
export function makeCerts(): Certs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-certs-'));
  const ca = (name: string) => openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`], dir);
  const leaf = (name: string, signer: string, ext: string) => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
  };
  ca('test-ca');
  ca('rogue-ca');
  leaf('server', 'test-ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  leaf('rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const f = (n: string) => path.join(dir, n);
  return {
    dir, ca: f('test-ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'),
    clientCert: f('client.pem'), clientKey: f('client.key'), rogueCert: f('rogue.pem'), rogueKey: f('rogue.key'),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Nginx {
  stop(): Promise<void>;
  errorLog(): string;
}

/** Starts nginx in the foreground with `httpBlock` as its `http { … }` content; resolves once every port answers. */
export async function startNginx(httpBlock: string, ports: number[]): Promise<Nginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-nginx-'));
  fs.chmodSync(dir, 0o755);
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, `worker_processes 1;
error_log ${dir}/error.log info;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${httpBlock}
}
`);
  const errorLog = () => (fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : '');
  const server = await startServer('nginx', 'nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { ports, diagnose: () => errorLog().slice(-2000) }, dir);
  return { errorLog, stop: () => server.stop() };
}

export interface ForwardProxy {
  url: string;
  /** tinyproxy's log: one line per request it forwarded (`CONNECT host:port`, `POST http://…`). */
  log(): string;
  stop(): Promise<void>;
}

/** A real forward proxy (Debian's tinyproxy, installed by scripts/stack) on a free port of 127.0.0.1. */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-tinyproxy-'));
  fs.chmodSync(dir, 0o777);
  const conf = path.join(dir, 'tinyproxy.conf');
  // No ConnectPort line: CONNECT to any port (the test receivers listen on free ports).
  fs.writeFileSync(conf, `User nobody\nGroup nogroup\nPort ${port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nLogLevel Info\nLogFile "${dir}/tinyproxy.log"\nMaxClients 50\n`);
  const server = await startServer('tinyproxy', 'tinyproxy', ['-d', '-c', conf], { ports: [port] }, dir);
  const logFile = path.join(dir, 'tinyproxy.log');
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '') + server.output(),
    stop: () => server.stop(),
  };
}
