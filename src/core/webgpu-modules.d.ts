// The optional packages behind the WebGPU backend, typed only as far as src/core/webgpu.ts uses them. Declared here so
// that type-checking does not depend on their being installed (they are optionalDependencies), and so that the
// `webgpu` package's global WebGPU types (@webgpu/types) do not enter the program beside lib.dom's.
declare module 'webgpu' {
  export function create(flags: string[]): unknown;
  export const globals: Record<string, unknown>;
}
