// Types for Vite's module extras used by the course: import.meta.glob, ?url, ?worker.
/// <reference types="vite/client" />
