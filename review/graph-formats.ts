import { GraphEdge, GraphNode, ResourceGraph } from './graph';
import { csvRow } from './private/csv';

/** The formats `scoped-agents graph` writes. */
export const GRAPH_FORMATS = ['json', 'dot', 'mermaid', 'csv'] as const;
/** One of {@link GRAPH_FORMATS}. */
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** The graph as JSON: `{ nodes, edges }`. */
export function graphToJson(graph: ResourceGraph): string {
  return `${JSON.stringify(graph, null, 2)}\n`;
}

const LOGICAL_STYLE: Record<string, string> = {
  agent: 'shape=ellipse, style=filled, fillcolor="#dbeafe"',
  scope: 'shape=note, style=filled, fillcolor="#fef9c3"',
  credential: 'shape=component, style=filled, fillcolor="#dcfce7"',
  policy: 'shape=tab, style=filled, fillcolor="#fae8ff"',
  alarm: 'shape=octagon, style=filled, fillcolor="#fee2e2"',
  variable: 'shape=cds',
  missing: 'style=dashed',
  data: 'style=rounded',
};

/** A DOT string: quoted, backslashes and quotes escaped, newlines as `\n`. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * The graph in Graphviz DOT: the logical layer in one cluster, the Terraform
 * blocks in another; `dot -Tsvg` renders it.
 */
export function graphToDot(graph: ResourceGraph, name = 'scoped-agents'): string {
  const line = (n: GraphNode): string => {
    const style = LOGICAL_STYLE[n.kind];
    return `    ${dotString(n.id)} [label=${dotString(n.label)}${style ? `, ${style}` : ''}];`;
  };
  const edgeLine = (e: GraphEdge): string => {
    const style = e.kind === 'implemented_by' || e.kind === 'depends_on' ? ', style=dashed' : '';
    return `  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(e.label)}${style}];`;
  };
  return [
    `digraph ${dotString(name)} {`,
    '  rankdir=LR;',
    '  node [shape=box, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8];',
    '  subgraph "cluster_logical" {',
    '    label="agents → scopes → credentials → policies → alarms";',
    ...graph.nodes.filter((n) => n.layer === 'logical').map(line),
    '  }',
    '  subgraph "cluster_terraform" {',
    '    label="Terraform resources";',
    ...graph.nodes.filter((n) => n.layer === 'terraform').map(line),
    '  }',
    ...graph.edges.map(edgeLine),
    '}',
    '',
  ].join('\n');
}

/**
 * Text inside a quoted Mermaid label: `"` becomes the entity `#quot;`, `#`
 * (the entity escape) becomes `#35;`, line breaks become spaces.
 */
function mermaidText(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/\r?\n/g, ' ');
}

/**
 * The graph as a Mermaid flowchart that GitHub renders in Markdown. Node ids
 * are `n1`, `n2`… in id order (short, so large fleets stay within GitHub's
 * 50,000-character diagram limit, and never a reserved word such as `end`);
 * every label is quoted.
 */
export function graphToMermaid(graph: ResourceGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i + 1}`]));
  const decl = (n: GraphNode): string => `    ${ids.get(n.id)}["${mermaidText(n.label)}"]`;
  const arrow = (e: GraphEdge): string => (e.kind === 'implemented_by' || e.kind === 'depends_on' ? '-.->' : '-->');
  const classes = ['agent', 'scope', 'credential', 'policy', 'alarm'] as const;
  const lines = [
    'flowchart LR',
    '  subgraph logical["agents → scopes → credentials → policies → alarms"]',
    ...graph.nodes.filter((n) => n.layer === 'logical').map(decl),
    '  end',
    '  subgraph terraform["Terraform resources"]',
    ...graph.nodes.filter((n) => n.layer === 'terraform').map(decl),
    '  end',
    ...graph.edges.map((e) => `  ${ids.get(e.from)} ${arrow(e)}${e.label ? `|"${mermaidText(e.label)}"|` : ''} ${ids.get(e.to)}`),
    '  classDef agent fill:#dbeafe,stroke:#1d4ed8',
    '  classDef scope fill:#fef9c3,stroke:#a16207',
    '  classDef credential fill:#dcfce7,stroke:#15803d',
    '  classDef policy fill:#fae8ff,stroke:#a21caf',
    '  classDef alarm fill:#fee2e2,stroke:#b91c1c',
  ];
  for (const kind of classes) {
    const members = graph.nodes.filter((n) => n.kind === kind).map((n) => ids.get(n.id));
    if (members.length > 0) lines.push(`  class ${members.join(',')} ${kind}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The graph as one CSV table: a `node` row per node and an `edge` row per
 * edge (`record,id,kind,layer,label,from,to`), for spreadsheets and
 * compliance evidence.
 */
export function graphToCsv(graph: ResourceGraph): string {
  const layerOf = new Map(graph.nodes.map((n) => [n.id, n.layer]));
  return `${[
    csvRow(['record', 'id', 'kind', 'layer', 'label', 'from', 'to']),
    ...graph.nodes.map((n) => csvRow(['node', n.id, n.kind, n.layer, n.label, '', ''])),
    ...graph.edges.map((e) => csvRow(['edge', '', e.kind, layerOf.get(e.from) === 'logical' ? 'logical' : 'terraform', e.label, e.from, e.to])),
  ].join('\r\n')}\r\n`;
}

/** Renders the graph in one of {@link GRAPH_FORMATS}. */
export function renderGraph(graph: ResourceGraph, format: GraphFormat): string {
  switch (format) {
    case 'json':
      return graphToJson(graph);
    case 'dot':
      return graphToDot(graph);
    case 'mermaid':
      return graphToMermaid(graph);
    case 'csv':
      return graphToCsv(graph);
  }
}
