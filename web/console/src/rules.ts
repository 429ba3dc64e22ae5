// The resilience rules live in the config item public/zhongtai/flow.yaml (one item per concern), as the YAML text of
// its key `resilience.rules` (README "Flow control"). The console edits them there, leaving every
// other key of the item as it was, and publishes a new version against the one it read.
import { Document, Scalar, isMap, isSeq, parseDocument } from 'yaml';
import { ApiError, type ConfigItem } from '@zhongtai/shared';
import { FLOW, api } from './api';

export interface DynamicItem {
  item: ConfigItem | null; // null: not published yet
  doc: Document;
  rules: string;
}

export async function readDynamic(): Promise<DynamicItem> {
  // From the list: an item not published yet is simply absent there (no 404 to handle).
  const item = (await api.configs()).items.find((i) => i.namespace_id === FLOW.ns && i.group === FLOW.group && i.data_id === FLOW.dataId) ?? null;
  const doc = parseDocument(item?.content ?? '');
  if (doc.errors.length) throw new ApiError(400, { code: 'CONSOLE_DYNAMIC_INVALID', message: `流控规则配置不是有效的 YAML：${doc.errors[0].message}` });
  const rules = doc.get('resilience.rules');
  return { item, doc, rules: typeof rules === 'string' ? rules : '' };
}

export async function publishRules(d: DynamicItem, rules: string, author: string, comment: string): Promise<ConfigItem> {
  await api.checkFlow(rules); // refused with the reasons before anything is published
  const text = new Scalar(rules.endsWith('\n') ? rules : rules + '\n');
  text.type = Scalar.BLOCK_LITERAL;
  if (!isMap(d.doc.contents)) d.doc.contents = d.doc.createNode({}) as unknown as typeof d.doc.contents;
  d.doc.set('resilience.rules', text);
  return api.publish(FLOW.ns, FLOW.group, FLOW.dataId, {
    content: d.doc.toString(), format: 'yaml', author, comment, expected_version: d.item?.version ?? 0 });
}

// The rule set with one rule's `shadow` set; null when no rule has that id.
export function withShadow(rules: string, id: string, shadow: boolean): string | null {
  const doc = parseDocument(rules);
  let found = false;
  for (const list of ['flow', 'keyed', 'breakers']) {
    const seq = doc.get(list);
    if (!isSeq(seq)) continue;
    for (const rule of seq.items)
      if (isMap(rule) && rule.get('id') === id) {
        rule.set('shadow', shadow);
        found = true;
      }
  }
  const system = doc.get('system');
  if (isMap(system) && (system.get('id') ?? 'system') === id) {
    system.set('shadow', shadow);
    found = true;
  }
  return found ? doc.toString() : null;
}

export interface FlowForm {
  id: string;
  resource: string;
  grade: 'qps' | 'concurrency';
  count: number;
  behavior: 'reject' | 'warm_up' | 'queue';
  shadow: boolean;
}

// The rule set with a flow rule added or replaced (by id).
export function withFlowRule(rules: string, f: FlowForm): string {
  const doc = parseDocument(rules || '{}');
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  let seq = doc.get('flow');
  if (!isSeq(seq)) {
    doc.set('flow', doc.createNode([]));
    seq = doc.get('flow');
  }
  if (!isSeq(seq)) return rules;
  const node = doc.createNode({ id: f.id, resource: f.resource, grade: f.grade, count: f.count, behavior: f.behavior, shadow: f.shadow });
  const at = seq.items.findIndex((r) => isMap(r) && r.get('id') === f.id);
  if (at >= 0) {
    // Keep the rule's other settings (warm-up seconds, queueing time): only the form's fields change.
    const old = seq.items[at];
    if (isMap(old)) for (const [k, v] of Object.entries(f)) old.set(k, v);
  } else seq.items.push(node);
  return doc.toString();
}

export function flowRuleOf(rules: string, id: string): FlowForm | null {
  const doc = parseDocument(rules);
  const seq = doc.get('flow');
  if (!isSeq(seq)) return null;
  for (const r of seq.items)
    if (isMap(r) && r.get('id') === id) {
      const j = r.toJSON() as Partial<FlowForm>;
      return { id, resource: String(j.resource ?? ''), grade: j.grade === 'concurrency' ? 'concurrency' : 'qps', count: Number(j.count ?? 0),
        behavior: j.behavior === 'warm_up' || j.behavior === 'queue' ? j.behavior : 'reject', shadow: j.shadow === true };
    }
  return null;
}
