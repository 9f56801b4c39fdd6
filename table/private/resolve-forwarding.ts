import { parseDuration } from '../../model/duration';
import { LogForwarding, VaultAuditSocket } from '../../model/fleet';
import { FleetSettingsInput } from '../schema';
import { urlProblem } from './checks';
import { SettingProblem } from './inherit';

/** Vault's own default for a socket device's `write_timeout`. */
const DEFAULT_WRITE_TIMEOUT = 2;

/** Checks `fleet.logForwarding` and applies its defaults. */
export function resolveLogForwarding(input: FleetSettingsInput['logForwarding'], problems: SettingProblem[]): LogForwarding | undefined {
  if (input === undefined) return undefined;
  const at = ['fleet', 'logForwarding'];
  const before = problems.length;
  // Firehose delivers to HTTPS endpoints only, loopback included.
  const why = urlProblem(input.url) ?? (/^https:\/\//i.test(input.url) ? undefined : 'is not an https:// URL');
  if (why) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'url'],
      value: input.url,
      message: `url ${why}`,
      fix:
        input.destination === 'splunk'
          ? 'write the HEC endpoint as https://http-inputs-firehose-<stack>.splunkcloud.com:443'
          : "write the collector's Firehose intake, e.g. https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input",
    });
  }
  if (input.destination === 'splunk' && input.name !== undefined) {
    problems.push({
      rule: 'unused-setting',
      path: [...at, 'name'],
      value: input.name,
      message: 'name applies only to destination http_endpoint; Splunk has no endpoint name',
      fix: 'remove name, or set destination: http_endpoint',
    });
  }
  if (input.destination === 'http_endpoint' && input.hecEndpointType !== undefined) {
    problems.push({
      rule: 'unused-setting',
      path: [...at, 'hecEndpointType'],
      value: input.hecEndpointType,
      message: 'hecEndpointType applies only to destination splunk',
      fix: 'remove hecEndpointType, or set destination: splunk',
    });
  }
  if (input.name !== undefined && !/^[A-Za-z0-9 ._-]{1,256}$/.test(input.name)) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'name'],
      value: input.name,
      message: 'name holds characters Firehose refuses in an endpoint name (letters, digits, space, ., _, -; at most 256)',
      fix: 'write a name such as Datadog',
    });
  }
  if (problems.length > before) return undefined;
  if (input.destination === 'splunk') return { destination: 'splunk', url: input.url, hecEndpointType: input.hecEndpointType ?? 'Raw' };
  return { destination: 'http_endpoint', url: input.url, name: input.name ?? new URL(input.url).hostname };
}

/** Checks `fleet.vaultAudit.socket` (or `fleet.vaultAuditSocket`, the same device) and applies its defaults. */
export function resolveVaultAuditSocket(input: FleetSettingsInput, problems: SettingProblem[]): VaultAuditSocket | undefined {
  const nested = typeof input.vaultAudit === 'object' ? input.vaultAudit.socket : undefined;
  if (nested !== undefined && input.vaultAuditSocket !== undefined) {
    problems.push({
      rule: 'unused-setting',
      path: ['fleet', 'vaultAuditSocket'],
      message: 'vaultAuditSocket and vaultAudit.socket both declare the socket device',
      fix: 'keep one of them (vaultAudit: { socket: { address, socketType } })',
    });
    return undefined;
  }
  const socket = nested ?? input.vaultAuditSocket;
  if (socket === undefined) return undefined;
  const at = nested !== undefined ? ['fleet', 'vaultAudit', 'socket'] : ['fleet', 'vaultAuditSocket'];
  const before = problems.length;
  if (input.vaultAudit === false) {
    problems.push({
      rule: 'unused-setting',
      path: at,
      message: 'vaultAuditSocket is a device the fleet enables beside its file device, and vaultAudit is false',
      fix: 'remove vaultAuditSocket (declare the socket device in the server configuration), or set vaultAudit: true',
    });
  }
  const socketType = socket.socketType ?? 'tcp';
  const valid =
    socketType === 'unix'
      ? /^\/[A-Za-z0-9._/-]+$/.test(socket.address)
      : /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(socket.address) !== null &&
        Number(socket.address.slice(socket.address.lastIndexOf(':') + 1)) >= 1 &&
        Number(socket.address.slice(socket.address.lastIndexOf(':') + 1)) <= 65535;
  if (!valid) {
    problems.push({
      rule: 'invalid-value',
      path: [...at, 'address'],
      value: socket.address,
      message: socketType === 'unix' ? 'address is not an absolute socket path on the Vault server' : `address is not host:port for a ${socketType} socket`,
      fix: socketType === 'unix' ? 'write a path such as /var/run/siem/audit.sock' : 'write the collector as host:port, e.g. siem-agent.internal:9090',
    });
  }
  let writeTimeout = DEFAULT_WRITE_TIMEOUT;
  if (socket.writeTimeout !== undefined) {
    const seconds = parseDuration(socket.writeTimeout);
    if (seconds === undefined) {
      problems.push({
        rule: 'invalid-duration',
        path: [...at, 'writeTimeout'],
        value: String(socket.writeTimeout),
        message: 'writeTimeout is not a duration',
        fix: 'write a duration such as "2s"',
      });
    } else {
      writeTimeout = seconds;
    }
  }
  return problems.length > before ? undefined : { address: socket.address, socketType, writeTimeout };
}
