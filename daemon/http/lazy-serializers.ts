/**
 * Response serializers compiled on a route's first answer rather than when the daemon starts.
 *
 * fastify compiles every response schema of every route with fast-json-stringify as the routes register: the two
 * admin listeners (TCP and control socket) carry ≈ 80 schemas each, and each compiled serializer keeps its
 * generated source text and closure for the daemon's life, though an idle daemon (and most busy ones) never
 * answers most of those routes. This factory (fastify's documented `schemaController.compilersFactory
 * .buildSerializer`) wraps fastify's own default, `@fastify/fast-json-stringify-compiler`, so each route's
 * serializer is the same code, compiled the first time it is needed (docs/performance.md § Fifth round).
 * What goes out is byte-identical; only the moment of compilation moves.
 */
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;
type RouteDefinition = Parameters<ReturnType<Factory>>[0];

const defaultFactory: Factory = SerializerSelector();

/** How many route serializers have been compiled so far (tests; `lazySerializerFactory` counts them). */
export const compiledSerializers = { count: 0 };

export const lazySerializerFactory: Factory = (externalSchemas, options) => {
  const compile = defaultFactory(externalSchemas, options);
  return (route: RouteDefinition) => {
    let serialize: ((doc: unknown) => string) | undefined;
    return (doc: unknown) => {
      if (serialize === undefined) {
        serialize = compile(route);
        compiledSerializers.count++;
      }
      return serialize(doc);
    };
  };
};
