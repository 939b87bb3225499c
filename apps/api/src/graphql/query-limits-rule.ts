import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from './graphql-js';

export interface QueryLimits {
  /** Deepest nesting allowed (fields and inline fragments add a level; fragment spreads do not). */
  maxDepth: number;
  /** Largest estimated cost allowed. */
  maxCost: number;
  /** Rows assumed for a list field without a `limit` argument. */
  assumedListSize: number;
  /** Rows assumed for a `limit` given as a variable: the most any `limit` argument accepts. */
  maxLimit: number;
}

/** An operation's size: its cost estimate and its depth. */
export interface QueryMeasure {
  cost: number;
  depth: number;
}

/**
 * A validation rule refusing operations deeper than `maxDepth` or costlier than `maxCost`, with a
 * message saying by how much and what to change (extensions: `code: VALIDATION_FAILED`, the
 * measure and the limit). It runs with graphql-js' own rules, before anything executes, for
 * queries (mercurius `validationRules`) and subscriptions (tickflow's `preSubscriptionExecution`
 * hook), introspection included.
 *
 * The cost: every field costs 1 (`__typename` 0); a list field multiplies its own cost and its
 * selection's by the number of rows it may return: its `limit` argument when written as a literal,
 * `maxLimit` when passed as a variable (the worst case: validation runs without variables, and its
 * result is cached per query text), the argument's default when omitted, `assumedListSize` for a
 * list without a `limit` argument; an introspection list, its mean length in the schema. A page
 * (a non-list field with a `limit` argument, e.g. `bars(limit: 50) { items { … } nextCursor }`)
 * hands its row count to the list fields directly inside it that have no `limit` of their own, so
 * `items` counts 50 rows. Aliases are separate fields and count separately, so aliasing
 * a list ten times costs ten times as much. A fragment is measured once however often it is
 * spread (no blow-up on nested spreads); cycles are left to graphql-js' NoFragmentCycles rule.
 */
export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(node) {
      const root = rootTypeOf(context.getSchema(), node);
      if (!root) return; // graphql-js reports the missing root type
      const { cost, depth } = new QueryMeter(context, limits).measure(node.selectionSet, root);
      const name = node.name ? `operation ${node.name.value}` : `this ${node.operation}`;
      if (depth > limits.maxDepth) {
        context.reportError(
          new GraphQLError(`${name} is ${depth} levels deep; the maximum is ${limits.maxDepth}. Select less deeply nested fields.`, {
            nodes: [node],
            extensions: { code: 'VALIDATION_FAILED', depth, maxDepth: limits.maxDepth },
          }),
        );
      }
      if (cost > limits.maxCost) {
        context.reportError(
          new GraphQLError(
            `${name} has an estimated cost of ${cost}; the maximum is ${limits.maxCost}. Each field costs 1 and a list multiplies its selection by its limit (${limits.assumedListSize} for a list without one, ${limits.maxLimit} for a limit passed as a variable): select fewer fields, pass a smaller literal limit, or split the query.`,
            { nodes: [node], extensions: { code: 'VALIDATION_FAILED', cost, maxCost: limits.maxCost } },
          ),
        );
      }
    },
  });
}

/** Measures an operation; call `measure` once per operation. */
class QueryMeter {
  private readonly schema: GraphQLSchema;
  /** By fragment name and the page size handed to it (see `measure`). */
  private readonly fragments = new Map<string, QueryMeasure>();
  private readonly visiting = new Set<string>();

  constructor(
    private readonly context: ValidationContext,
    private readonly limits: QueryLimits,
  ) {
    this.schema = context.getSchema();
  }

  /**
   * `pageRows`: the rows of the page whose selection this is (its field's `limit`), for the list
   * fields in it without a `limit` of their own; undefined outside a page.
   */
  measure(selectionSet: SelectionSetNode, parent: GraphQLNamedType, pageRows?: number): QueryMeasure {
    let cost = 0;
    let depth = 0;
    for (const selection of selectionSet.selections) {
      let m: QueryMeasure;
      switch (selection.kind) {
        case Kind.FIELD:
          m = this.field(selection, parent, pageRows);
          break;
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
          const inner = type ? this.measure(selection.selectionSet, type, pageRows) : ZERO;
          m = { cost: inner.cost, depth: inner.depth + 1 }; // mercurius' queryDepth counts the level
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          m = this.fragment(this.context.getFragment(selection.name.value), pageRows);
          break;
      }
      cost += m.cost;
      if (m.depth > depth) depth = m.depth;
    }
    return { cost, depth };
  }

  private field(node: FieldNode, parent: GraphQLNamedType, pageRows: number | undefined): QueryMeasure {
    const def = fieldDef(this.schema, parent, node.name.value);
    if (!def) return { cost: 0, depth: 1 }; // FieldsOnCorrectType reports it
    if (def === TypeNameMetaFieldDef) return { cost: 0, depth: 1 };
    const isList = isListType(getNullableType(def.type));
    const limited = def.args.some((a) => a.name === 'limit');
    const rows = isList ? this.rows(node, def, parent, pageRows) : 1;
    // A page (an object with a `limit`) hands its rows to the lists inside it; a list does not.
    const innerPageRows = !isList && limited ? this.rows(node, def, parent, undefined) : undefined;
    const inner = node.selectionSet ? this.measure(node.selectionSet, getNamedType(def.type), innerPageRows) : ZERO;
    return { cost: rows * (1 + inner.cost), depth: inner.depth + 1 };
  }

  private rows(node: FieldNode, def: GraphQLField<unknown, unknown>, parent: GraphQLNamedType, pageRows: number | undefined): number {
    if (parent.name.startsWith('__')) return introspectionListSizes(this.schema).get(`${parent.name}.${def.name}`) ?? this.limits.assumedListSize;
    const arg = node.arguments?.find((a) => a.name.value === 'limit');
    if (arg?.value.kind === Kind.INT) return Math.max(0, Number(arg.value.value));
    if (arg?.value.kind === Kind.VARIABLE) return this.limits.maxLimit;
    const declared = def.args.find((a) => a.name === 'limit');
    if (!declared) return pageRows ?? this.limits.assumedListSize;
    return typeof declared.defaultValue === 'number' ? declared.defaultValue : this.limits.maxLimit;
  }

  private fragment(fragment: FragmentDefinitionNode | null | undefined, pageRows: number | undefined): QueryMeasure {
    if (!fragment) return ZERO; // KnownFragmentNames reports it
    const name = fragment.name.value;
    const key = pageRows === undefined ? name : `${name}@${pageRows}`;
    const known = this.fragments.get(key);
    if (known) return known;
    if (this.visiting.has(name)) return ZERO; // a cycle: NoFragmentCycles reports it
    this.visiting.add(name);
    const type = this.schema.getType(fragment.typeCondition.name.value);
    const m = type ? this.measure(fragment.selectionSet, type, pageRows) : ZERO;
    this.visiting.delete(name);
    this.fragments.set(key, m);
    return m;
  }
}

const introspectionSizes = new WeakMap<GraphQLSchema, ReadonlyMap<string, number>>();

/**
 * How long each introspection list is in this schema, on average per parent (`__Schema.types`:
 * exactly): introspection lists are not guesses, so a nested introspection query (types → fields →
 * type → fields …) costs what it would return, and the standard introspection query costs about
 * the size of its answer.
 */
function introspectionListSizes(schema: GraphQLSchema): ReadonlyMap<string, number> {
  const known = introspectionSizes.get(schema);
  if (known) return known;
  const types = Object.values(schema.getTypeMap());
  const directives = schema.getDirectives();
  const fields = types.flatMap((t) => (isObjectType(t) || isInterfaceType(t) ? Object.values(t.getFields()) : []));
  const mean = (total: number, parents: number): number => (parents === 0 ? 0 : Math.ceil(total / parents));
  const total = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const sizes = new Map<string, number>([
    ['__Schema.types', types.length],
    ['__Schema.directives', directives.length],
    ['__Type.fields', mean(fields.length, types.length)],
    ['__Type.interfaces', mean(total(types.map((t) => (isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().length : 0))), types.length)],
    ['__Type.possibleTypes', mean(total(types.map((t) => (isAbstractType(t) ? schema.getPossibleTypes(t).length : 0))), types.length)],
    ['__Type.enumValues', mean(total(types.map((t) => (isEnumType(t) ? t.getValues().length : 0))), types.length)],
    ['__Type.inputFields', mean(total(types.map((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0))), types.length)],
    ['__Field.args', mean(total(fields.map((f) => f.args.length)), fields.length)],
    ['__Directive.args', mean(total(directives.map((d) => d.args.length)), directives.length)],
    ['__Directive.locations', mean(total(directives.map((d) => d.locations.length)), directives.length)],
  ]);
  introspectionSizes.set(schema, sizes);
  return sizes;
}

const ZERO: QueryMeasure = Object.freeze({ cost: 0, depth: 0 });

function rootTypeOf(schema: GraphQLSchema, op: OperationDefinitionNode): GraphQLNamedType | null | undefined {
  return op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
}

function fieldDef(schema: GraphQLSchema, parent: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename' && isCompositeType(parent)) return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}
