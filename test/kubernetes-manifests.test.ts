// deploy/kubernetes against the Kubernetes API's own schemas and against this service's configuration: every
// document validates strictly (an unknown field fails) with kubernetes-validate (the schemas of the API, from PyPI,
// installed by scripts/stack), and each Deployment's environment (its ConfigMap, the example Secret, its own `env`)
// is one its process accepts: the settings loader and the channels file's loader run on it, every variable is a
// known setting or a channels-file reference, and the probes hit the port the process listens on.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadChannelsFile } from '../src/channels/config';
import { loadIntakeSettings } from '../src/config/intake';
import { VARIABLES } from '../src/config/schema';
import { loadConfig } from '../src/config/service';
import { ROOT } from './helpers/stack';

const DIR = path.join(ROOT, 'deploy/kubernetes');
/** The Kubernetes version the manifests are checked against (apps/v1, policy/v1: 1.21 and later). */
const KUBERNETES = '1.33.0';
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml')).map((f) => path.join(DIR, f));

interface Doc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: any;
}
const docs: Doc[] = files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS() as Doc));
const named = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name)!;

function validate(paths: string[]): { code: number; output: string } {
  const lib = execFileSync(path.join(ROOT, 'scripts/stack'), ['path', 'kubernetes-validate']).toString().trim();
  const r = spawnSync('python3', ['-m', 'kubernetes_validate', '--strict', '-k', KUBERNETES, ...paths], { env: { ...process.env, PYTHONPATH: lib }, encoding: 'utf8' });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

describe('deploy/kubernetes', () => {
  it('every document validates strictly against the Kubernetes API schemas', () => {
    const { code, output } = validate(files);
    expect(output).not.toMatch(/ERROR|did not validate/);
    expect(code).toBe(0);
    const passed = [...output.matchAll(/passed for resource (\S+)/g)].map((m) => m[1]).sort();
    expect(passed).toEqual(docs.map((d) => `${d.kind.toLowerCase()}/${d.metadata.name}`).sort());
    expect(docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['alert-delivery-ingest', 'alert-delivery-intake', 'alert-delivery-worker']);
  });

  it('the validator fails an unknown field and a wrong type (it can fail)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-'));
    const worker = fs.readFileSync(path.join(DIR, 'worker.yaml'), 'utf8');
    fs.writeFileSync(path.join(tmp, 'unknown.yaml'), worker.replace('          envFrom:', '          envFroms:'));
    fs.writeFileSync(path.join(tmp, 'type.yaml'), worker.replace('replicas: 2', 'replicas: two'));
    try {
      expect(validate([path.join(tmp, 'unknown.yaml')]).output).toMatch(/'envFroms' was unexpected/);
      expect(validate([path.join(tmp, 'type.yaml')]).code).not.toBe(0);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  describe.each([['worker', 'worker', 9464], ['ingest', 'ingest', 9465], ['intake', 'intake', 9466]] as const)('%s', (component, role, metricsPort) => {
    const deployment = named('Deployment', `alert-delivery-${component}`);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const config = named('ConfigMap', 'alert-delivery').data!;
    const secret = named('Secret', 'alert-delivery-secrets').stringData!;
    const channels = named('ConfigMap', 'alert-delivery-channels').data!['channels.yaml'];
    const ownEnv: Record<string, string> = Object.fromEntries((container.env ?? []).map((e: { name: string; value?: string }) => [e.name, e.value ?? `${component}-7d9c4-x2x8q`]));
    const env: Record<string, string> = { ...config, ...secret, ...ownEnv };

    it('runs its process, with the channels file mounted where CHANNELS_FILE points', () => {
      expect(container.command).toEqual(['node', `dist/src/${role}.js`]);
      const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'channels');
      expect(path.posix.join(mount.mountPath, 'channels.yaml')).toBe(env.CHANNELS_FILE);
      expect(pod.volumes.find((v: { name: string }) => v.name === 'channels').configMap.name).toBe('alert-delivery-channels');
    });

    it('its environment is accepted by its settings loader and its channels file by the channels loader', () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-channels-'));
      try {
        const file = path.join(tmp, 'channels.yaml');
        fs.writeFileSync(file, channels);
        const local = { ...env, CHANNELS_FILE: file };
        const cfg = role === 'intake' ? loadIntakeSettings(local).cfg : loadConfig(role, local);
        expect(cfg.stream).toBe('alerts');
        expect(loadChannelsFile(file, cfg.channelsFileEnv).routes?.length).toBeGreaterThan(0);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('every variable is a setting of the service or a reference of the channels file (no typo goes unread)', () => {
      const references = new Set([...channels.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
      const unknown = Object.keys(env).filter((k) => !(k in VARIABLES) && !references.has(k));
      expect(unknown).toEqual([]);
    });

    it(`its probes ask /readyz and /healthz on the port it listens on (${metricsPort})`, () => {
      expect(Number(env.METRICS_PORT ?? metricsPort)).toBe(metricsPort);
      const port = container.ports.find((p: { name: string }) => p.name === 'metrics').containerPort;
      expect(port).toBe(metricsPort);
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    });
  });
});
