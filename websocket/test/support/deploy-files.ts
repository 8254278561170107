import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LRParser } from '@lezer/lr' with { 'resolution-mode': 'import' };
import { parse } from 'yaml';

// Prometheus's PromQL grammar is an ES module with a CommonJS build beside it; this CommonJS file takes that one.
const { parser } = createRequire(__filename)('@prometheus-io/lezer-promql') as { parser: LRParser };

export const REPO_ROOT = path.join(__dirname, '..', '..', '..');

/** A file of the repository as text, by its path from the root. */
export const repoFile = (relative: string) => readFileSync(path.join(REPO_ROOT, relative), 'utf8');

/** A YAML file of the repository, with `<<` merge keys resolved as compose resolves them. */
export const yamlFile = <T>(relative: string): T => parse(repoFile(relative), { merge: true }) as T;

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

export interface Dashboard {
  uid: string;
  panels: { title: string; datasource: { uid: string }; targets: { expr: string; datasource: { uid: string } }[] }[];
}

/** What one PromQL query reads: the metric names it selects, the labels it groups by, the job matchers, and syntax errors. */
export interface QueryParts {
  metrics: string[];
  groupingLabels: string[];
  jobs: string[];
  errors: number;
}

// Grafana replaces its variables before a query reaches Prometheus; the parser sees what Prometheus would.
const GRAFANA_VARIABLES: Record<string, string> = { $__rate_interval: '1m', $__interval: '10s', $__range: '1h' };

/** Parses a dashboard's PromQL with Prometheus's own grammar (@prometheus-io/lezer-promql). */
export function queryParts(expr: string): QueryParts {
  const query = expr.replace(/\$__\w+/g, (name) => GRAFANA_VARIABLES[name] ?? name);
  const text = (node: { from: number; to: number }) => query.slice(node.from, node.to);
  const parts: QueryParts = { metrics: [], groupingLabels: [], jobs: [], errors: 0 };
  parser.parse(query).iterate({
    enter(ref) {
      if (ref.type.isError) parts.errors += 1;
      if (ref.name === 'VectorSelector') {
        const identifier = ref.node.getChild('Identifier');
        if (identifier) parts.metrics.push(text(identifier));
      }
      if (ref.name === 'GroupingLabels') parts.groupingLabels.push(...ref.node.getChildren('LabelName').map(text));
      if (ref.name === 'UnquotedLabelMatcher' && text(ref.node.getChild('LabelName')!) === 'job') {
        const value = JSON.parse(text(ref.node.getChild('StringLiteral')!)) as string;
        parts.jobs.push(...value.split('|'));
      }
    },
  });
  return parts;
}

/** The metric family a sample name belongs to (a histogram's `_bucket`, `_sum` and `_count` are its family's). */
export const familyOf = (name: string, families: Set<string>) => {
  const family = name.replace(/_(bucket|sum|count)$/, '');
  return families.has(family) ? family : name;
};
