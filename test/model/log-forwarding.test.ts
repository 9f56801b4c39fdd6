import { BASE_SCOPES, fleetFromYaml, problemsOf } from '../helpers';

const AGENTS = `agents:
  - name: lead-enricher
    owner: growth@acme.example
    actions:
      - { action: Read contact info, scopes: [crm.contacts.read] }
`;

const table = (...fleetLines: string[]): string => `version: 1\nfleet:\n${fleetLines.map((l) => `  ${l}\n`).join('')}${BASE_SCOPES}${AGENTS}`;

describe('fleet.logForwarding', () => {
  test('an http_endpoint takes its name from the URL host unless the table names it', async () => {
    const fleet = await fleetFromYaml(
      table('logForwarding: { destination: http_endpoint, url: "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input" }'),
    );
    expect(fleet.settings.logForwarding).toEqual({
      destination: 'http_endpoint',
      url: 'https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input',
      name: 'aws-kinesis-http-intake.logs.datadoghq.eu',
    });
    const named = await fleetFromYaml(table('logForwarding: { destination: http_endpoint, url: "https://aws-api.newrelic.com/firehose/v1", name: New Relic }'));
    expect(named.settings.logForwarding).toEqual({ destination: 'http_endpoint', url: 'https://aws-api.newrelic.com/firehose/v1', name: 'New Relic' });
  });

  test('splunk sends to the Raw HEC endpoint unless the table says Event', async () => {
    const url = 'https://http-inputs-firehose-acme.splunkcloud.com:443';
    expect((await fleetFromYaml(table(`logForwarding: { destination: splunk, url: "${url}" }`))).settings.logForwarding).toEqual({
      destination: 'splunk',
      url,
      hecEndpointType: 'Raw',
    });
    expect((await fleetFromYaml(table(`logForwarding: { destination: splunk, url: "${url}", hecEndpointType: Event }`))).settings.logForwarding).toEqual({
      destination: 'splunk',
      url,
      hecEndpointType: 'Event',
    });
  });

  test('a table without it has no logForwarding and no socket device in its settings', async () => {
    const fleet = await fleetFromYaml(table('name: acme'));
    expect('logForwarding' in fleet.settings).toBe(false);
    expect('vaultAuditSocket' in fleet.settings).toBe(false);
  });

  test('fails when the destination is unknown, the URL is not https, or a key belongs to the other destination', async () => {
    const problems = await problemsOf(table('logForwarding:', '  destination: elastic', '  url: "https://es.example.com"'));
    expect(problems.map((p) => [p.rule, p.line, p.column, p.value, p.message, p.fix])).toEqual([
      ['invalid-value', 4, 18, 'elastic', 'destination: expected http_endpoint or splunk', 'correct destination'],
    ]);
    const more = await problemsOf(
      table('logForwarding:', '  destination: splunk', '  url: "http://127.0.0.1:8088"', '  name: Splunk', '  hecEndpointType: Json'),
    );
    // Every problem at once: the bad hecEndpointType does not hide the URL's or the name's.
    expect(more.map((p) => [p.rule, p.line, p.column, p.value, p.message, p.fix])).toEqual([
      [
        'invalid-value',
        5,
        10,
        'http://127.0.0.1:8088',
        'url is not an https:// URL',
        'write the HEC endpoint as https://http-inputs-firehose-<stack>.splunkcloud.com:443',
      ],
      [
        'unused-setting',
        6,
        11,
        'Splunk',
        'name applies only to destination http_endpoint; Splunk has no endpoint name',
        'remove name, or set destination: http_endpoint',
      ],
      ['invalid-value', 7, 22, 'Json', 'hecEndpointType: expected Raw or Event', 'correct hecEndpointType'],
    ]);
    const http = await problemsOf(
      table('logForwarding:', '  destination: http_endpoint', '  url: "https://user:pw@intake.example.com"', '  hecEndpointType: Raw', '  name: "a/b"'),
    );
    expect(http.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      // The value is masked in the problem: it holds a password.
      ['invalid-value', 5, 'http… (17 characters)ntake.example.com', 'url carries user info (user:password@); credentials never go in a URL'],
      ['secret-in-table', 5, 'http… (17 characters)ntake.example.com', 'value holds what looks like a URL with user info (a password in the URL)'],
      ['unused-setting', 6, 'Raw', 'hecEndpointType applies only to destination splunk'],
      ['invalid-value', 7, 'a/b', 'name holds characters Firehose refuses in an endpoint name (letters, digits, space, ., _, -; at most 256)'],
    ]);
  });

  test('fails when the URL or the destination is missing, or a key is unknown', async () => {
    const problems = await problemsOf(table('logForwarding: { destination: http_endpoint, accessKey: s3cr3t }'));
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message, p.fix])).toEqual([
      ['missing-key', 3, undefined, 'url is required', 'correct url'],
      ['unknown-key', 3, 'accessKey', 'unknown key', 'remove it, or use one of: destination, hecEndpointType, name, url'],
    ]);
  });
});

describe('fleet.vaultAuditSocket', () => {
  test("a tcp device with Vault's 2 s write timeout unless the table says", async () => {
    expect((await fleetFromYaml(table('vaultAuditSocket: { address: "siem-agent.internal:9090" }'))).settings.vaultAuditSocket).toEqual({
      address: 'siem-agent.internal:9090',
      socketType: 'tcp',
      writeTimeout: 2,
    });
    expect(
      (await fleetFromYaml(table('vaultAuditSocket: { address: /var/run/siem/audit.sock, socketType: unix, writeTimeout: 500ms }').replace('500ms', '1s')))
        .settings.vaultAuditSocket,
    ).toEqual({ address: '/var/run/siem/audit.sock', socketType: 'unix', writeTimeout: 1 });
  });

  test('vaultAudit: true and false still load, with the file device as before', async () => {
    expect((await fleetFromYaml(table('vaultAudit: true'))).settings.vaultAudit).toBe(true);
    expect((await fleetFromYaml(table('vaultAudit: false'))).settings.vaultAudit).toBe(false);
    const both = await fleetFromYaml(table('vaultAudit: true', 'vaultAuditSocket: { address: "10.0.0.5:514", socketType: udp }'));
    expect(both.settings).toMatchObject({ vaultAudit: true, vaultAuditFile: '/var/log/vault/scoped-agents-audit.log' });
    expect(both.settings.vaultAuditSocket).toEqual({ address: '10.0.0.5:514', socketType: 'udp', writeTimeout: 2 });
  });

  test('fails when the address does not fit the socket type, the timeout is no duration, or the fleet enables no device', async () => {
    const problems = await problemsOf(
      table('vaultAudit: false', 'vaultAuditSocket:', '  address: siem-agent.internal', '  writeTimeout: soon', '  socketType: tcp'),
    );
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message, p.fix])).toEqual([
      [
        'unused-setting',
        5,
        undefined,
        'vaultAuditSocket is a device the fleet enables beside its file device, and vaultAudit is false',
        'remove vaultAuditSocket (declare the socket device in the server configuration), or set vaultAudit: true',
      ],
      [
        'invalid-value',
        5,
        'siem-agent.internal',
        'address is not host:port for a tcp socket',
        'write the collector as host:port, e.g. siem-agent.internal:9090',
      ],
      ['invalid-duration', 6, 'soon', 'writeTimeout is not a duration', 'write a duration such as "2s"'],
    ]);
    const unix = await problemsOf(table('vaultAuditSocket: { address: "relative.sock", socketType: unix }'));
    expect(unix.map((p) => [p.rule, p.value, p.message])).toEqual([
      ['invalid-value', 'relative.sock', 'address is not an absolute socket path on the Vault server'],
    ]);
    const kind = await problemsOf(table('vaultAuditSocket: { address: "h:1", socketType: http }'));
    expect(kind.map((p) => [p.rule, p.value, p.message])).toEqual([['invalid-value', 'http', 'socketType: expected tcp, udp or unix']]);
  });
});

describe('fleet.vaultAudit.socket (the same device, as the issue writes it)', () => {
  test('vaultAudit: { socket } enables the file device and the socket beside it', async () => {
    const fleet = await fleetFromYaml(table('vaultAudit:', '  socket: { address: "siem-agent.internal:9090", socketType: tcp }'));
    expect(fleet.settings.vaultAudit).toBe(true);
    expect(fleet.settings.vaultAuditSocket).toEqual({ address: 'siem-agent.internal:9090', socketType: 'tcp', writeTimeout: 2 });
  });

  test('its problems are located under vaultAudit.socket; both spellings at once are refused; a wrong shape says what is expected', async () => {
    const bad = await problemsOf(table('vaultAudit:', '  socket: { address: "relative.sock", socketType: unix }'));
    expect(bad.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      ['invalid-value', 4, 'relative.sock', 'address is not an absolute socket path on the Vault server'],
    ]);
    const both = await problemsOf(table('vaultAudit: { socket: { address: "h:1" } }', 'vaultAuditSocket: { address: "h:2" }'));
    expect(both.map((p) => [p.rule, p.message])).toEqual([['unused-setting', 'vaultAuditSocket and vaultAudit.socket both declare the socket device']]);
    const shape = await problemsOf(table('vaultAudit: yes please'));
    expect(shape.map((p) => [p.rule, p.value, p.message])).toEqual([
      ['invalid-value', 'yes please', 'vaultAudit: expected true, false, or { socket: { address, socketType? } }'],
    ]);
  });
});
