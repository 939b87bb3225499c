/**
 * graphql-js, as the one instance mercurius uses: import graphql through this module only.
 *
 * graphql 16 ships a CommonJS build (`main`) and an ESM build (`module`) side by side, without an
 * `exports` map. Node's loader and mercurius' `require` both get the CommonJS build; Vite (so
 * vitest) prefers `module` and would load a second copy, whose `instanceof` checks then reject the
 * schema mercurius built ("Cannot use GraphQLObjectType "Query" from another module or realm").
 * Naming the CommonJS entry gives one instance under every loader.
 */
export * from 'graphql/index.js';
