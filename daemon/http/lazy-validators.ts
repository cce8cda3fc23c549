/**
 * Request validators compiled on a route's first request rather than when the daemon starts.
 *
 * fastify compiles every request schema (body, querystring, params, headers) of every route with ajv as the
 * routes register: ≈ 270 ms of a 1.7 s daemon start went to ajv's code generation, for the admin routes of three
 * listeners that an idle daemon (and most busy ones) never sees a request for (docs/performance.md § Forty-fourth
 * round). This factory (fastify's documented `schemaController.compilersFactory.buildValidator`) wraps fastify's own
 * default, `@fastify/ajv-compiler`, with the same ajv options, so each route's validator is the same code, compiled
 * the first time it is needed. What a request is checked against, how it is coerced, and the errors it gets back
 * are unchanged; only the moment of compilation moves.
 *
 * A schema ajv cannot compile would now throw on the route's first request instead of at start:
 * `compilePendingValidators()` compiles every route's validator not yet compiled, and a test runs it on a started
 * daemon, so such a schema still fails the build (daemon/http/lazy-validators.test.ts).
 */
import AjvCompiler from '@fastify/ajv-compiler';

type Factory = ReturnType<typeof AjvCompiler>;
type RouteDefinition = AjvCompiler.RouteDefinition;

/** What fastify calls: ajv's `validate(data, dataCxt)`, with `errors` read after a `false`. */
interface Validator {
  (data: unknown, dataCxt?: object): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}

const defaultFactory: Factory = AjvCompiler();

/** How many route validators have been compiled so far (tests; the factory counts them). */
export const compiledValidators = { count: 0 };

/**
 * Validators registered and not yet compiled, each held weakly (a closed server's routes are not kept alive by
 * this set); an entry compiles its own validator and leaves the set.
 */
const pending = new Set<WeakRef<() => void>>();

/** Compile every validator still waiting for its route's first request; throws what ajv throws. */
export function compilePendingValidators(): number {
  let n = 0;
  for (const ref of [...pending]) {
    const compile = ref.deref();
    if (compile === undefined) pending.delete(ref);
    else {
      compile();
      n++;
    }
  }
  return n;
}

export const lazyValidatorFactory: Factory = (externalSchemas, options) => {
  const compile = defaultFactory(externalSchemas, options) as unknown as (route: RouteDefinition) => Validator;
  return ((route: RouteDefinition) => {
    let validate: Validator | undefined;
    const ensure = (): Validator => {
      if (validate === undefined) {
        validate = compile(route);
        compiledValidators.count++;
        pending.delete(ref);
      }
      return validate;
    };
    const ref = new WeakRef(ensure);
    pending.add(ref);
    const lazy: Validator = (data, dataCxt) => {
      const v = ensure();
      // fastify passes ajv's data context (parent and property) only to a function with `schemaEnv`, so ajv can
      // coerce a root value in place; pass it on exactly when fastify would have passed it to ajv's own function.
      const ok = v.schemaEnv ? v(data, dataCxt) : v(data);
      lazy.errors = v.errors;
      return ok;
    };
    // Truthy, as on every function ajv compiles, so fastify hands over the data context that `lazy` passes on.
    lazy.schemaEnv = true;
    lazy.errors = null;
    return lazy;
  }) as unknown as ReturnType<Factory>;
};
