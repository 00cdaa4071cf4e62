// Types for Vite's module extras used by the playground: import.meta.glob, ?url, ?raw, ?worker.
/// <reference types="vite/client" />
