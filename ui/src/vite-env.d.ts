/// <reference types="svelte" />
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** '1' only for `npm run dev:mock` / `build:mock`: a fake backend for visual checks in a browser. */
  readonly VITE_PD_MOCK?: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
