// ESLint flat config: TypeScript-aware recommended rules for every TS/JS source in the repo.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "**/build/",
      "engine-c/wasm/nano-engine*.{js,mjs}",
      "training/gemm/nano-gemm*.{js,mjs}",
      "coverage/",
      "playground/dist/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
);
