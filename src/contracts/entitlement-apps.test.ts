import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { ENTITLEMENT_APP_IDS, ENTITLEMENT_APP_SCHEMAS, fieldMeta, fieldShape, fieldsNotSent, parseAppEntitlement, schemaFields } from './entitlement-apps.js';

test('every field of every app names its TS.43 parameter and says what it is; lists name their item characteristic', () => {
  const walk = (s: TSchema, where: string): void => {
    for (const [name, f] of Object.entries(schemaFields(s))) {
      const m = fieldMeta(f);
      assert.ok(m.wire, `${where}.${name}: no wire name`);
      assert.ok(m.description, `${where}.${name}: no description`);
      const shape = fieldShape(f);
      if (shape.type === 'list') {
        assert.ok(m.itemWire, `${where}.${name}: no itemWire`);
        walk(f.items as TSchema, `${where}.${name}[]`);
      }
      if (shape.type === 'enum_int') for (const v of shape.values) assert.ok(shape.meanings[v], `${where}.${name}=${v}: no meaning`);
    }
  };
  for (const app of ENTITLEMENT_APP_IDS) walk(ENTITLEMENT_APP_SCHEMAS[app], app);
});

test('parseAppEntitlement returns the app\'s typed data', () => {
  const r = parseAppEntitlement('ap2004', { entitlement_status: '3', addr_status: 2 });
  assert.ok(r.ok);
  const status: 0 | 1 | 2 | 3 | undefined = r.value.entitlement_status;
  assert.equal(status, 3);
});

test('fieldsNotSent: message_for_incompatible needs entitlement_status 2, from the data or the fallback', () => {
  assert.deepEqual(fieldsNotSent('ap2004', { message_for_incompatible: 'x' }, { entitlement_status: 2 }), []);
  assert.deepEqual(fieldsNotSent('ap2004', { message_for_incompatible: 'x', entitlement_status: 0 }).map((f) => [f.field, f.actual]), [['message_for_incompatible', 0]]);
  assert.deepEqual(fieldsNotSent('ap2004', { message_for_incompatible: '' }), []);
});
