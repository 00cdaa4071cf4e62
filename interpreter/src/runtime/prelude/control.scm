;; Control procedures (call/cc, dynamic-wind, exceptions, parameters, apply, values...) are
;; machine procedures written in TypeScript: see src/runtime/control.ts. Nothing to define here.
