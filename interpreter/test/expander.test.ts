// Expander tests: Core checked structurally (through a compact printer), hygiene, libraries.
import { describe, expect, it } from "vitest";
import type { Core, GlobalCell, Var } from "../src/core.ts";
import { SchemeError } from "../src/errors.ts";
import { Expander, type Environment, type HostFs } from "../src/expander/index.ts";
import { writeString } from "../src/printer.ts";
import { readAll } from "../src/reader/reader.ts";
import { STANDARD_LIBRARIES } from "../src/runtime/libraries.ts";

/** An in-memory file system: path → text. */
function memoryFs(files: Record<string, string>): HostFs {
  return {
    readFile: (p) => files[p] ?? null,
    resolve: (dir, rel) => (rel.startsWith("/") ? rel : `${dir === "." ? "" : dir + "/"}${rel}`),
    dirname: (p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "."),
  };
}

function makeExpander(files: Record<string, string> = {}, searchPath: string[] = []): Expander {
  return new Expander({
    systemCells: new Map<string, GlobalCell>(),
    libraries: STANDARD_LIBRARIES,
    host: memoryFs(files),
    searchPath,
  });
}

/** Core as a compact s-expression; local variables numbered by first appearance. */
function show(c: Core): string {
  const names = new Map<Var, string>();
  const v = (x: Var): string => {
    let n = names.get(x);
    if (n === undefined) {
      n = `${x.name}.${names.size}`;
      names.set(x, n);
    }
    return n;
  };
  const go = (c: Core): string => {
    switch (c.kind) {
      case "const":
        return `'${writeString(c.value)}`;
      case "lref":
        return v(c.v);
      case "gref":
        return `$${c.cell.name}`;
      case "lset":
        return `(set! ${v(c.v)} ${go(c.value)})`;
      case "gset":
        return `(set! $${c.cell.name} ${go(c.value)})`;
      case "gdef":
        return `(define $${c.cell.name} ${go(c.value)})`;
      case "if":
        return `(if ${go(c.test)} ${go(c.then)} ${go(c.else)})`;
      case "seq":
        return `(begin ${c.body.map(go).join(" ")})`;
      case "lambda": {
        const ps = c.params.map(v).join(" ");
        const formals = c.rest ? (ps ? `(${ps} . ${v(c.rest)})` : v(c.rest)) : `(${ps})`;
        return `(lambda ${formals} ${go(c.body)})`;
      }
      case "case-lambda":
        return `(case-lambda ${c.clauses.map(go).join(" ")})`;
      case "call":
        return `(${[c.fn, ...c.args].map(go).join(" ")})`;
      case "let":
      case "letrec":
        return `(${c.kind} (${c.vars.map((x, i) => `(${v(x)} ${go(c.inits[i])})`).join(" ")}) ${go(c.body)})`;
    }
  };
  return go(c);
}

/** Expand a program (all its forms) in a fresh interaction environment. */
function expand(src: string, ex = makeExpander()): string {
  return show(ex.expandProgram(readAll(src, "t.scm"), "t.scm"));
}

function expandError(src: string, ex = makeExpander()): string {
  try {
    ex.expandProgram(readAll(src, "t.scm"), "t.scm");
  } catch (e) {
    if (e instanceof SchemeError) return e.message;
    throw e;
  }
  throw new Error("expected a syntax error");
}

describe("core forms", () => {
  it("constants and variables", () => {
    expect(expand("1")).toBe("'1");
    expect(expand('"s"')).toBe('\'"s"');
    expect(expand("'(a b)")).toBe("'(a b)");
    expect(expand("x")).toBe("$x");
    expect(expand("#(1 2)")).toBe("'#(1 2)");
  });
  it("if", () => {
    expect(expand("(if 1 2 3)")).toBe("(if '1 '2 '3)");
    expect(expand("(if 1 2)")).toBe("(if '1 '2 '#<unspecified>)");
  });
  it("lambda shapes", () => {
    expect(expand("(lambda (x y) x)")).toBe("(lambda (x.0 y.1) x.0)");
    expect(expand("(lambda args args)")).toBe("(lambda args.0 args.0)");
    expect(expand("(lambda (a . r) r)")).toBe("(lambda (a.0 . r.1) r.1)");
  });
  it("calls", () => {
    expect(expand("(f 1 (g 2))")).toBe("($f '1 ($g '2))");
  });
  it("set! on locals and globals", () => {
    expect(expand("(lambda (x) (set! x 1))")).toBe("(lambda (x.0) (set! x.0 '1))");
    expect(expand("(define y 1) (set! y 2)")).toBe("(begin (define $y '1) (set! $y '2))");
  });
  it("define shapes", () => {
    expect(expand("(define (f x) x)")).toBe("(define $f (lambda (x.0) x.0))");
    expect(expand("(define ((f a) b) (list a b))")).toBe(
      "(define $f (lambda (a.0) (lambda (b.1) ($list a.0 b.1))))",
    );
    expect(expand("(define (f . r) r)")).toBe("(define $f (lambda r.0 r.0))");
  });
  it("define names its lambda", () => {
    const ex = makeExpander();
    const c = ex.expandProgram(readAll("(define (fact n) n)", "t.scm"), "t.scm");
    expect(c.kind === "gdef" && c.value.kind === "lambda" && c.value.name).toBe("fact");
  });
  it("top-level begin splices definitions", () => {
    expect(expand("(begin (define a 1) (define b a))")).toBe(
      "(begin (define $a '1) (define $b $a))",
    );
  });
  it("forward references between top-level definitions share one cell", () => {
    const ex = makeExpander();
    const c = ex.expandProgram(readAll("(define (f) (g)) (define (g) 1)", "t.scm"), "t.scm");
    if (c.kind !== "seq") throw new Error("seq expected");
    const [f, g] = c.body;
    if (f.kind !== "gdef" || g.kind !== "gdef" || f.value.kind !== "lambda") throw new Error();
    const call = f.value.body;
    expect(call.kind === "call" && call.fn.kind === "gref" && call.fn.cell).toBe(g.cell);
  });
  it("quote strips nothing from plain data", () => {
    expect(expand("'#(a (b . c))")).toBe("'#(a (b . c))");
  });
  it("case-lambda", () => {
    expect(expand("(case-lambda ((x) x) ((x y) y) (r r))")).toBe(
      "(case-lambda (lambda (x.0) x.0) (lambda (x.1 y.2) y.2) (lambda r.3 r.3))",
    );
  });
});

describe("bodies", () => {
  it("internal definitions become letrec", () => {
    expect(expand("(lambda () (define a 1) (define (b) a) (b))")).toBe(
      "(lambda () (letrec ((a.0 '1) (b.1 (lambda () a.0))) (b.1)))",
    );
  });
  it("begin in a body splices definitions", () => {
    expect(expand("(lambda () (begin (define a 1) (define b 2)) (+ a b))")).toBe(
      "(lambda () (letrec ((a.0 '1) (b.1 '2)) ($+ a.0 b.1)))",
    );
  });
  it("macros expanding into definitions in a body", () => {
    expect(
      expand("(define-syntax def1 (syntax-rules () ((_ n) (define n 1)))) (lambda () (def1 z) z)"),
    ).toBe("(begin '#<unspecified> (lambda () (letrec ((z.0 '1)) z.0)))");
  });
  it("expressions before definitions run in order", () => {
    expect(expand("(lambda () (display 1) (define a 2) a)")).toBe(
      "(lambda () (letrec ((_.0 ($display '1)) (a.1 '2)) a.1))",
    );
  });
  it("define-values in a body", () => {
    expect(expand("(lambda () (define-values (a b) (values 1 2)) (+ a b))")).toContain(
      "$call-with-values",
    );
  });
  it("errors: empty body, body ending in a definition", () => {
    expect(expandError("(lambda ())")).toMatch(/lambda: bad syntax/);
    expect(expandError("(lambda () (define a 1))")).toMatch(/no expression after its definitions/);
  });
  it("internal define-syntax", () => {
    expect(expand("(lambda () (define-syntax two (syntax-rules () ((_) 2))) (two))")).toBe(
      "(lambda () '2)",
    );
  });
});

describe("let forms", () => {
  it("let", () => {
    expect(expand("(let ((x 1) (y 2)) (+ x y))")).toBe("(let ((x.0 '1) (y.1 '2)) ($+ x.0 y.1))");
  });
  it("let inits are outside the scope", () => {
    expect(expand("(lambda (x) (let ((x 1) (y x)) y))")).toBe(
      "(lambda (x.0) (let ((x.1 '1) (y.2 x.0)) y.2))",
    );
  });
  it("named let", () => {
    expect(expand("(let loop ((i 0)) (loop i))")).toBe(
      "((letrec ((loop.0 (lambda (i.1) (loop.0 i.1)))) loop.0) '0)",
    );
  });
  it("let*", () => {
    expect(expand("(let* ((x 1) (y x)) y)")).toBe("(let ((x.0 '1)) (let ((y.1 x.0)) y.1))");
  });
  it("letrec and letrec*", () => {
    expect(expand("(letrec ((f (lambda () (f)))) f)")).toBe(
      "(letrec ((f.0 (lambda () (f.0)))) f.0)",
    );
    expect(expand("(letrec* ((a 1) (b a)) b)")).toBe("(letrec ((a.0 '1) (b.1 a.0)) b.1)");
  });
  it("let-values and let*-values", () => {
    expect(expand("(let-values (((a b) (values 1 2))) (+ a b))")).toBe(
      "($call-with-values (lambda () ($values '1 '2)) (lambda (a.0 b.1) (let ((a.2 a.0) (b.3 b.1)) ($+ a.2 b.3))))",
    );
    expect(expand("(let-values (((a . r) (f))) r)")).toContain("(lambda (a.0 . r.1)");
    expect(expand("(let*-values (((a) (f)) ((b) (g a))) b)")).toContain("($g a.");
  });
  it("let errors", () => {
    expect(expandError("(let ((x)) x)")).toMatch(/let: bad syntax/);
    expect(expandError("(let ((x 1) (x 2)) x)")).toMatch(/duplicate/);
  });
});

describe("derived forms", () => {
  it("and / or", () => {
    expect(expand("(and)")).toBe("'#t");
    expect(expand("(and 1 2)")).toBe("(if '1 '2 '#f)");
    expect(expand("(or)")).toBe("'#f");
    expect(expand("(or 1 2)")).toBe("(let ((x.0 '1)) (if x.0 x.0 '2))");
  });
  it("when / unless", () => {
    expect(expand("(when 1 2 3)")).toBe("(if '1 (begin '2 '3) '#<unspecified>)");
    expect(expand("(unless 1 2)")).toBe("(if '1 '#<unspecified> '2)");
  });
  it("cond with else and =>", () => {
    expect(expand("(cond (a 1) (else 2))")).toBe("(if $a '1 '2)");
    expect(expand("(cond (a => f))")).toBe(
      "(let ((temp.0 $a)) (if temp.0 ($f temp.0) '#<unspecified>))",
    );
    expect(expand("(cond (a))")).toBe("$a");
  });
  it("case uses memv through the system", () => {
    expect(expand("(case x ((1 2) 'a) (else 'b))")).toBe(
      "(let ((key.0 $x)) (if ($memv key.0 '(1 2)) 'a 'b))",
    );
    expect(expand("(case x ((1) 'a))")).toBe(
      "(let ((key.0 $x)) (if ($eqv? key.0 '1) 'a '#<unspecified>))",
    );
    expect(expand("(case (f) ((1) => g) (else => h))")).toBe(
      "(let ((key.0 ($f))) (if ($eqv? key.0 '1) ($g key.0) ($h key.0)))",
    );
  });
  it("do", () => {
    expect(expand("(do ((i 0 (+ i 1))) ((= i 3) i) (display i))")).toBe(
      "(letrec ((do-loop.0 (lambda (i.1) (if ($= i.1 '3) i.1 (begin ($display i.1) (do-loop.0 ($+ i.1 '1))))))) (do-loop.0 '0))",
    );
  });
  it("delay, delay-force, parameterize", () => {
    expect(expand("(delay 1)")).toBe("($%make-lazy-promise (lambda () ($%make-eager-promise '1)))");
    expect(expand("(delay-force p)")).toBe("($%make-lazy-promise (lambda () $p))");
    expect(expand("(parameterize ((p 1)) 2)")).toBe(
      "($%with-parameters ($list $p) ($list '1) (lambda () '2))",
    );
  });
  it("guard uses call/cc, with-exception-handler and raise-continuable of the system", () => {
    const out = expand("(guard (e (#t 1)) (raise 2))");
    expect(out).toContain("$call/cc");
    expect(out).toContain("$with-exception-handler");
    expect(out).toContain("$raise-continuable");
  });
  it("define-record-type", () => {
    expect(
      expand(
        "(define-record-type point (make-point x y) point? (x point-x) (y point-y set-point-y!))",
      ),
    ).toBe(
      "(begin (define $point ($%make-record-type 'point '(x y))) (define $make-point ($%record-constructor $point '(x y))) (define $point? ($%record-predicate $point)) (define $point-x ($%record-accessor $point 'x)) (define $point-y ($%record-accessor $point 'y)) (define $set-point-y! ($%record-modifier $point 'y)))",
    );
  });
  it("define-values at top level", () => {
    expect(expand("(define-values (a b) (values 1 2))")).toBe(
      "(begin (define $all-values ($call-with-values (lambda () ($values '1 '2)) $list)) (define $a ($list-ref $all-values '0)) (define $b ($list-ref $all-values '1)))",
    );
  });
  it("define-values' hidden variable does not clash with the user's", () => {
    const ex = makeExpander();
    const c = ex.expandProgram(
      readAll("(define-values (a . r) (f)) (define values 3)", "t.scm"),
      "t.scm",
    );
    if (c.kind !== "seq") throw new Error();
    const hidden = c.body[0].kind === "seq" && c.body[0].body[0];
    const user = c.body[1];
    expect(
      hidden && hidden.kind === "gdef" && user.kind === "gdef" && hidden.cell !== user.cell,
    ).toBe(true);
  });
});

describe("quasiquote", () => {
  it("constant parts stay constant", () => {
    expect(expand("`(a b)")).toBe("'(a b)");
  });
  it("unquote and splicing", () => {
    expect(expand("`(a ,x)")).toBe("($cons 'a ($cons $x '()))");
    expect(expand("`(a ,@x b)")).toBe("($cons 'a ($append $x '(b)))");
    expect(expand("`(,@x)")).toBe("$x");
  });
  it("vectors", () => {
    expect(expand("`#(1 ,x)")).toBe("($list->vector ($cons '1 ($cons $x '())))");
    expect(expand("`#(1 2)")).toBe("'#(1 2)");
  });
  it("nesting levels", () => {
    expect(expand("`(a `(b ,(c ,x)))")).toBe(
      "($cons 'a ($cons ($cons 'quasiquote ($cons ($cons 'b ($cons ($cons 'unquote ($cons ($cons 'c ($cons $x '())) '())) '())) '())) '()))",
    );
  });
  it("dotted unquote", () => {
    expect(expand("`(a . ,b)")).toBe("($cons 'a $b)");
  });
  it("user shadowing of cons does not break quasiquote", () => {
    const ex = makeExpander();
    const c = ex.expandProgram(readAll("(define (cons a b) 0) `(,x)", "t.scm"), "t.scm");
    if (c.kind !== "seq" || c.body[0].kind !== "gdef") throw new Error();
    const userCons = c.body[0].cell;
    const qq = c.body[1];
    expect(qq.kind === "call" && qq.fn.kind === "gref" && qq.fn.cell !== userCons).toBe(true);
  });
});

describe("syntax-rules", () => {
  it("simple macro", () => {
    expect(
      expand(
        "(define-syntax swap! (syntax-rules () ((_ a b) (let ((tmp a)) (set! a b) (set! b tmp))))) (lambda (tmp y) (swap! tmp y))",
      ),
    ).toBe(
      "(begin '#<unspecified> (lambda (tmp.0 y.1) (let ((tmp.2 tmp.0)) (begin (set! tmp.0 y.1) (set! y.1 tmp.2)))))",
    );
  });
  it("literals", () => {
    const src =
      "(define-syntax kw (syntax-rules (on) ((_ on) 1) ((_ x) 2))) (list (kw on) (kw off))";
    expect(expand(src)).toBe("(begin '#<unspecified> ($list '1 '2))");
  });
  it("a literal bound locally does not match", () => {
    const src =
      "(define-syntax kw (syntax-rules (else) ((_ else) 1) ((_ x) 2))) (lambda (else) (kw else))";
    expect(expand(src)).toBe("(begin '#<unspecified> (lambda (else.0) '2))");
  });
  it("ellipsis and nested ellipsis", () => {
    const src =
      "(define-syntax m (syntax-rules () ((_ (a b ...) ...) '((b ... a) ...)))) (m (1 2 3) (4))";
    expect(expand(src)).toBe("(begin '#<unspecified> '((2 3 1) (4)))");
  });
  it("ellipsis followed by more patterns", () => {
    const src = "(define-syntax m (syntax-rules () ((_ a ... b c) '(c b a ...)))) (m 1 2 3 4)";
    expect(expand(src)).toBe("(begin '#<unspecified> '(4 3 1 2))");
  });
  it("dotted patterns", () => {
    const src = "(define-syntax m (syntax-rules () ((_ a . r) '(a r)))) (m 1 2 3)";
    expect(expand(src)).toBe("(begin '#<unspecified> '(1 (2 3)))");
  });
  it("ellipsis with dotted tail", () => {
    const src = "(define-syntax m (syntax-rules () ((_ a ... . r) '((a ...) r)))) (m 1 2 . 3)";
    expect(expand(src)).toBe("(begin '#<unspecified> '((1 2) 3))");
  });
  it("vector patterns", () => {
    const src = "(define-syntax m (syntax-rules () ((_ #(a b ...)) '(a #(b ...))))) (m #(1 2 3))";
    expect(expand(src)).toBe("(begin '#<unspecified> '(1 #(2 3)))");
  });
  it("underscore", () => {
    const src = "(define-syntax m (syntax-rules () ((_ _ x) 'x))) (m 1 2)";
    expect(expand(src)).toBe("(begin '#<unspecified> '2)");
  });
  it("custom ellipsis", () => {
    const src = "(define-syntax m (syntax-rules ::: () ((_ a :::) '(a ::: ...)))) (m 1 2)";
    expect(expand(src)).toBe("(begin '#<unspecified> '(1 2 ...))");
  });
  it("(... ...) escape", () => {
    const src = "(define-syntax m (syntax-rules () ((_ a) '(a (... ...))))) (m 1)";
    expect(expand(src)).toBe("(begin '#<unspecified> '(1 ...))");
  });
  it("double ellipsis flattens", () => {
    const src = "(define-syntax m (syntax-rules () ((_ (a ...) ...) '(a ... ...)))) (m (1 2) (3))";
    expect(expand(src)).toBe("(begin '#<unspecified> '(1 2 3))");
  });
  it("literal data in patterns", () => {
    const src =
      '(define-syntax m (syntax-rules () ((_ 1) \'one) ((_ "s") \'str) ((_ x) \'other))) (list (m 1) (m "s") (m 2))';
    expect(expand(src)).toBe("(begin '#<unspecified> ($list 'one 'str 'other))");
  });
  it("no matching pattern", () => {
    expect(expandError("(define-syntax m (syntax-rules () ((_ a) a))) (m 1 2)")).toBe(
      "no matching syntax-rules pattern for (m 1 2)",
    );
  });
  it("recursive macros", () => {
    const src =
      "(define-syntax my-list (syntax-rules () ((_) '()) ((_ a b ...) (cons a (my-list b ...))))) (my-list 1 2)";
    expect(expand(src)).toBe("(begin '#<unspecified> ($cons '1 ($cons '2 '())))");
  });
  it("macro-defining macros", () => {
    const src = `
      (define-syntax def-const (syntax-rules () ((_ name v) (define-syntax name (syntax-rules () ((_) v))))))
      (def-const five 5)
      (five)`;
    expect(expand(src)).toBe("(begin '#<unspecified> '#<unspecified> '5)");
  });
  it("macro-defining macros with an escaped ellipsis", () => {
    const src = `
      (define-syntax def-lister (syntax-rules () ((_ name) (define-syntax name (syntax-rules () ((_ x (... ...)) (list x (... ...))))))))
      (def-lister ls)
      (ls 1 2 3)`;
    expect(expand(src)).toBe("(begin '#<unspecified> '#<unspecified> ($list '1 '2 '3))");
  });
  it("syntax-error", () => {
    expect(
      expandError('(define-syntax m (syntax-rules () ((_ x) (syntax-error "bad m" x)))) (m 1)'),
    ).toBe("bad m: (1)");
  });
  it("let-syntax and letrec-syntax", () => {
    expect(expand("(let-syntax ((m (syntax-rules () ((_) 1)))) (m))")).toBe("'1");
    const src =
      "(letrec-syntax ((ev? (syntax-rules () ((_) #t) ((_ x . r) (od? . r)))) (od? (syntax-rules () ((_) #f) ((_ x . r) (ev? . r))))) (ev? 1 2))";
    expect(expand(src)).toBe("'#t");
  });
  it("let-syntax transformer sees the outer scope", () => {
    const src =
      "(define-syntax m (syntax-rules () ((_) 'outer))) (let-syntax ((m (syntax-rules () ((_) 'inner))) (n (syntax-rules () ((_) (m))))) (n))";
    expect(expand(src)).toBe("(begin '#<unspecified> 'outer)");
  });
});

describe("hygiene", () => {
  const myOr =
    "(define-syntax my-or (syntax-rules () ((_) #f) ((_ e) e) ((_ e r ...) (let ((temp e)) (if temp temp (my-or r ...))))))";
  it("introduced binders do not capture user variables", () => {
    expect(expand(`${myOr} (lambda (temp) (my-or #f temp))`)).toBe(
      "(begin '#<unspecified> (lambda (temp.0) (let ((temp.1 '#f)) (if temp.1 temp.1 temp.0))))",
    );
  });
  it("user rebinding of if does not break the macro", () => {
    expect(expand(`${myOr} (let ((if list)) (my-or #f 1))`)).toBe(
      "(begin '#<unspecified> (let ((if.0 $list)) (let ((temp.1 '#f)) (if temp.1 temp.1 '1))))",
    );
  });
  it("free template identifiers refer to the definition's bindings", () => {
    const src =
      "(define x 'outer) (define-syntax get-x (syntax-rules () ((_) x))) (let ((x 'inner)) (get-x))";
    expect(expand(src)).toBe("(begin (define $x 'outer) '#<unspecified> (let ((x.0 'inner)) $x))");
  });
  it("a macro closing over a local variable", () => {
    const src = "(lambda (x) (let-syntax ((get (syntax-rules () ((_) x)))) (lambda (x) (get))))";
    expect(expand(src)).toBe("(lambda (x.0) (lambda (x.1) x.0))");
  });
  it("quoted template symbols are plain symbols", () => {
    const src = "(define-syntax q (syntax-rules () ((_) '(a #(b) . c)))) (q)";
    expect(expand(src)).toBe("(begin '#<unspecified> '(a #(b) . c))");
  });
  it("user rebinding of cond's else does not count as else", () => {
    expect(expand("(let ((else #f)) (cond (else 1)))")).toBe(
      "(let ((else.0 '#f)) (if else.0 '1 '#<unspecified>))",
    );
  });
  it("macro-introduced top-level definitions are renamed, user ones are not", () => {
    const src =
      "(define-syntax def-hidden (syntax-rules () ((_ v) (begin (define hidden v) (define (get) hidden))))) (def-hidden 1) (define hidden 2) hidden";
    const ex = makeExpander();
    const c = ex.expandProgram(readAll(src, "t.scm"), "t.scm");
    if (c.kind !== "seq") throw new Error();
    const inner = c.body[1];
    const userDef = c.body[2];
    const ref = c.body[3];
    if (
      inner.kind !== "seq" ||
      inner.body[0].kind !== "gdef" ||
      userDef.kind !== "gdef" ||
      ref.kind !== "gref"
    )
      throw new Error();
    expect(inner.body[0].cell).not.toBe(userDef.cell);
    expect(ref.cell).toBe(userDef.cell);
  });
  it("macros use the system's lambda even when the user defines one", () => {
    expect(expand("(define lambda 1) (let loop ((i 0)) i)")).toContain("(lambda (i.1) i.1)");
  });
});

describe("errors", () => {
  it("a macro that expands into itself forever", () => {
    expect(expandError("(define-syntax m (syntax-rules () ((_) (m)))) (m)")).toBe(
      "m: macro expansion does not terminate",
    );
  });
  it("a macro that nests itself forever", () => {
    expect(expandError("(define-syntax m (syntax-rules () ((_) (list (m))))) (m)")).toMatch(
      /expansion nested too deeply/,
    );
  });
  it("if bad syntax", () => {
    expect(expandError("(if)")).toMatch(/^if: bad syntax \(expected \(if test then \[else\]\)\)/);
  });
  it("set! of an imported variable", () => {
    expect(expandError("(set! car 1)")).toBe("set!: cannot assign imported variable car");
  });
  it("keyword as a variable", () => {
    expect(expandError("(list if)")).toMatch(/invalid use of syntax keyword if/);
  });
  it("definition in expression context", () => {
    expect(expandError("(if 1 (define x 2) 3)")).toMatch(
      /define: not allowed in expression context/,
    );
  });
  it("unknown library", () => {
    expect(expandError("(import (foo bar))")).toBe("unknown library (foo bar)");
  });
  it("errors carry the location of the form", () => {
    try {
      makeExpander().expandProgram(readAll("1\n  (if)", "t.scm"), "t.scm");
    } catch (e) {
      const loc = (e as SchemeError & { payload: { loc: { line: number; col: number } } }).payload
        .loc;
      expect([loc.line, loc.col]).toEqual([2, 3]);
      return;
    }
    throw new Error("no error");
  });
  it("macro errors point at the use", () => {
    try {
      makeExpander().expandProgram(
        readAll("(define-syntax m (syntax-rules () ((_) 1)))\n(m 2)", "t.scm"),
        "t.scm",
      );
    } catch (e) {
      expect((e as SchemeError & { payload: { loc: { line: number } } }).payload.loc.line).toBe(2);
      return;
    }
    throw new Error("no error");
  });
});

describe("locations", () => {
  it("nodes carry the loc of their form", () => {
    const c = makeExpander().expandProgram(readAll("\n(f\n (g 1))", "t.scm"), "t.scm");
    if (c.kind !== "call") throw new Error();
    expect(c.loc?.line).toBe(2);
    expect(c.args[0].loc?.line).toBe(3);
  });
  it("variable operands carry their own loc", () => {
    const c = makeExpander().expandProgram(readAll("(f aa\n   bb)", "t.scm"), "t.scm");
    if (c.kind !== "call") throw new Error();
    expect([c.fn.loc?.col, c.args[0].loc?.col, c.args[1].loc?.line, c.args[1].loc?.col]).toEqual([
      2, 4, 2, 4,
    ]);
  });
  it("macro output inherits the use's loc", () => {
    const c = makeExpander().expandProgram(readAll("\n\n(when 1 2)", "t.scm"), "t.scm");
    expect(c.loc?.line).toBe(3);
  });
});

describe("cond-expand and include", () => {
  it("features", () => {
    expect(expand("(cond-expand (r7rs 1) (else 2))")).toBe("'1");
    expect(expand("(cond-expand ((not r7rs) 1) (else 2))")).toBe("'2");
    expect(expand("(cond-expand ((and r7rs (or foo nanolm)) 1))")).toBe("'1");
    expect(expand("(cond-expand ((library (scheme base)) 1) (else 2))")).toBe("'1");
    expect(expand("(cond-expand ((library (no such)) 1) (else 2))")).toBe("'2");
  });
  it("include and include-ci", () => {
    const ex = makeExpander({ "dir/inc.scm": "(define x 1) (DEFINE Y 2)" });
    const c = ex.expandProgram(readAll('(include-ci "inc.scm")', "dir/main.scm"), "dir/main.scm");
    expect(show(c)).toBe("(begin (define $x '1) (define $y '2))");
  });
  it("include of a missing file", () => {
    expect(expandError('(include "nope.scm")')).toMatch(/cannot read file nope.scm/);
  });
});

describe("libraries", () => {
  it("a program with imports sees only its imports", () => {
    expect(expand("(import (only (scheme base) car)) (car x)")).toBe(
      "(begin '#<unspecified> ($car $x))",
    );
    const ex = makeExpander();
    const c = ex.expandProgram(
      readAll("(import (only (scheme base) car)) (cdr x)", "t.scm"),
      "t.scm",
    );
    if (c.kind !== "seq" || c.body[1].kind !== "call" || c.body[1].fn.kind !== "gref")
      throw new Error();
    expect(c.body[1].fn.cell.immutable).toBe(false); // a fresh, unbound program cell
  });
  it("prefix, rename, except", () => {
    expect(expand("(import (prefix (only (scheme base) car) s:)) (s:car 1)")).toBe(
      "(begin '#<unspecified> ($car '1))",
    );
    expect(expand("(import (rename (only (scheme base) car) (car first))) (first 1)")).toBe(
      "(begin '#<unspecified> ($car '1))",
    );
    expect(expandError("(import (except (scheme base) car)) (set! car 1) (if)")).toMatch(
      /^if: bad syntax/,
    );
    expect(expandError("(import (only (scheme base) nope))")).toMatch(/nope is not exported/);
  });
  it("define-library in the program text", () => {
    const src = `
      (define-library (my lib)
        (export double (rename triple thrice))
        (import (scheme base))
        (begin (define (double x) (* 2 x)) (define (triple x) (* 3 x))))
      (import (scheme base) (my lib))
      (list (double 1) (thrice 2))`;
    expect(expand(src)).toBe(
      "(begin '#<unspecified> (begin (begin (define $(my lib)::double (lambda (x.0) ($* '2 x.0))) (define $(my lib)::triple (lambda (x.1) ($* '3 x.1)))) '#<unspecified>) ($list ($(my lib)::double '1) ($(my lib)::triple '2)))",
    );
  });
  it("user libraries from files run once, in dependency order", () => {
    const files = {
      "app/a/b.sld":
        "(define-library (a b) (export f) (import (scheme base) (c)) (begin (define (f) (g))))",
      "lib/c.sld": "(define-library (c) (export g) (import (scheme base)) (begin (define (g) 1)))",
    };
    const ex = makeExpander(files, ["lib"]);
    const c = ex.expandProgram(
      readAll("(import (scheme base) (a b) (c)) (f)", "app/main.scm"),
      "app/main.scm",
    );
    expect(show(c)).toBe(
      "(begin (begin (define $(c)::g (lambda () '1)) (define $(a b)::f (lambda () ($(c)::g))) '#<unspecified>) ($(a b)::f))",
    );
    const again = ex.expandProgram(readAll("(import (a b)) (f)", "app/main.scm"), "app/main.scm");
    expect(show(again)).toBe("(begin '#<unspecified> ($(a b)::f))");
  });
  it("exported macros use the library's bindings", () => {
    const src = `
      (define-library (m) (export get) (import (scheme base))
        (begin (define secret 42) (define-syntax get (syntax-rules () ((_) secret)))))
      (import (scheme base) (m))
      (let ((secret 0)) (get))`;
    expect(expand(src)).toContain("(let ((secret.0 '0)) $(m)::secret)");
  });
  it("imported variables cannot be assigned", () => {
    const src = `
      (define-library (m) (export v) (import (scheme base)) (begin (define v 1)))
      (import (m) (scheme base))
      (set! v 2)`;
    expect(expandError(src)).toBe("set!: cannot assign imported variable v");
  });
  it("library declarations: include, include-library-declarations, cond-expand", () => {
    const files = {
      "x.sld": `(define-library (x) (include-library-declarations "decls.scm")
                  (cond-expand (nanolm (begin (define y 2))) (else (begin (define y 3))))
                  (include "body.scm"))`,
      "decls.scm": "(export z y) (import (scheme base))",
      "body.scm": "(define z (+ y 1))",
    };
    const ex = makeExpander(files);
    const c = ex.expandProgram(readAll("(import (x)) z", "main.scm"), "main.scm");
    expect(show(c)).toBe(
      "(begin (begin (begin (define $(x)::y '2) (define $(x)::z ($+ $(x)::y '1))) '#<unspecified>) $(x)::z)",
    );
  });
  it("program definitions are declared before expansion", () => {
    expect(expand("(define (f) (car 1)) (begin (define (car x) x))")).toBe(
      "(begin (define $f (lambda () ($car '1))) (define $car (lambda (x.0) x.0)))",
    );
    const ex = makeExpander();
    const c = ex.expandProgram(
      readAll("(define (f) (car 1)) (define (car x) x)", "t.scm"),
      "t.scm",
    );
    if (c.kind !== "seq" || c.body[0].kind !== "gdef" || c.body[1].kind !== "gdef")
      throw new Error();
    const f = c.body[0].value;
    if (f.kind !== "lambda" || f.body.kind !== "call" || f.body.fn.kind !== "gref")
      throw new Error();
    expect(f.body.fn.cell).toBe(c.body[1].cell);
  });
  it("REPL: define of an imported name makes a new cell", () => {
    const ex = makeExpander();
    const env = ex.interactionEnvironment();
    const def = ex.expandTopLevel(readAll("(define (car x) x)", "r")[0].datum, env);
    const use = ex.expandTopLevel(readAll("(car 1)", "r")[0].datum, env);
    const sys = ex.expandTopLevel(readAll("(cdr 1)", "r")[0].datum, ex.interactionEnvironment());
    if (
      def.kind !== "gdef" ||
      use.kind !== "call" ||
      use.fn.kind !== "gref" ||
      sys.kind !== "call" ||
      sys.fn.kind !== "gref"
    )
      throw new Error();
    expect(use.fn.cell).toBe(def.cell);
    expect(def.cell.immutable).toBe(false);
    expect(sys.fn.cell.immutable).toBe(true);
  });
  it("REPL: import of a user library", () => {
    const ex = makeExpander(
      {
        "lib/k.sld": "(define-library (k) (export k) (import (scheme base)) (begin (define k 7)))",
      },
      ["lib"],
    );
    const env = ex.interactionEnvironment();
    const c = ex.expandTopLevel(readAll("(import (k))", "r")[0].datum, env);
    expect(show(c)).toBe("(begin (define $(k)::k '7) '#<unspecified>)");
    expect(show(ex.expandTopLevel(readAll("k", "r")[0].datum, env))).toBe("$(k)::k");
  });
  it("environmentFromImportSets", () => {
    const ex = makeExpander();
    const env: Environment = ex.environmentFromImportSets(
      readAll("(only (scheme base) car)", "r").map((f) => f.datum),
    );
    expect(show(ex.expandTopLevel(readAll("(car 1)", "r")[0].datum, env))).toBe("($car '1)");
  });
  it("the system environment: prelude definitions fill system cells", () => {
    const cells = new Map<string, GlobalCell>();
    const ex = new Expander({
      systemCells: cells,
      libraries: STANDARD_LIBRARIES,
      host: memoryFs({}),
    });
    const sys = ex.systemEnvironment();
    const c = ex.expandTopLevel(readAll("(define (map f l) l)", "prelude")[0].datum, sys);
    if (c.kind !== "gdef") throw new Error();
    expect(c.cell).toBe(cells.get("map"));
    expect(show(ex.expandTopLevel(readAll("(%with-parameters 1)", "p")[0].datum, sys))).toBe(
      "($%with-parameters '1)",
    );
  });
  it("host libraries", () => {
    const ex = makeExpander();
    const { GlobalCell: Cell } = { GlobalCell: cellClass() };
    ex.defineHostLibrary(["nanolm", "t"], new Map([["f32-dot", new Cell("f32-dot", true)]]));
    expect(expand("(import (nanolm t)) (f32-dot)", ex)).toBe("(begin '#<unspecified> ($f32-dot))");
  });
});

describe("more cases", () => {
  it("guard clauses with =>", () => {
    const out = expand("(guard (e ((assq 'a e) => cdr) ((assq 'b e))) (raise '((a . 1))))");
    expect(out).toContain("($assq 'a e.");
    expect(out).toContain("($cdr temp.");
  });
  it("duplicate parameters", () => {
    expect(expandError("(lambda (x x) 1)")).toMatch(/duplicate parameter x/);
  });
  it("define-syntax needs a transformer", () => {
    expect(expandError("(define-syntax m 5)")).toMatch(/m: expected a syntax-rules transformer/);
  });
  it("pattern variable without its ellipsis", () => {
    expect(expandError("(define-syntax m (syntax-rules () ((_ a ...) (list a)))) (m 1)")).toMatch(
      /pattern variable a used without ellipsis/,
    );
  });
  it("a keyword can be aliased with define-syntax", () => {
    expect(expand("(define-syntax my-if if) (my-if 1 2 3)")).toBe(
      "(begin '#<unspecified> (if '1 '2 '3))",
    );
  });
  it("quote needs exactly one datum", () => {
    expect(expandError("(quote)")).toMatch(/quote: bad syntax/);
    expect(expandError("(quote 1 2)")).toMatch(/quote: bad syntax/);
  });
  it("include inside a body splices definitions", () => {
    const ex = makeExpander({ "defs.scm": "(define a 1) (define b 2)" });
    expect(expand('(lambda () (include "defs.scm") (+ a b))', ex)).toBe(
      "(lambda () (letrec ((a.0 '1) (b.1 '2)) ($+ a.0 b.1)))",
    );
  });
  it("cond-expand inside a body", () => {
    expect(expand("(lambda () (cond-expand (nanolm (define a 1))) a)")).toBe(
      "(lambda () (letrec ((a.0 '1)) a.0))",
    );
  });
  it("define-record-type inside a body", () => {
    const out = expand("(lambda () (define-record-type r (mk a) r? (a r-a)) (r-a (mk 1)))");
    expect(out).toMatch(/^\(lambda \(\) \(letrec \(\(r\.0 \(\$%make-record-type 'r '\(a\)\)\)/);
  });
  it("a record constructor given by name takes every field", () => {
    expect(expand("(define-record-type r mk r? (a r-a) (b r-b))")).toContain(
      "($%record-constructor $r '(a b))",
    );
  });
  it("named let with a body definition", () => {
    expect(expand("(let lp ((i 0)) (define j i) j)")).toBe(
      "((letrec ((lp.0 (lambda (i.1) (letrec ((j.2 i.1)) j.2)))) lp.0) '0)",
    );
  });
  it("do without step or result", () => {
    expect(expand("(do ((i 0)) (#t))")).toBe(
      "(letrec ((do-loop.0 (lambda (i.1) (if '#t '#<unspecified> (do-loop.0 i.1))))) (do-loop.0 '0))",
    );
  });
  it("let-syntax body can define and shadow", () => {
    expect(
      expand("(lambda () (let-syntax ((m (syntax-rules () ((_ v) (define v 1))))) (m q) q))"),
    ).toBe("(lambda () (letrec ((q.0 '1)) q.0))");
  });
  it("vectors with unquote-splicing", () => {
    expect(expand("`#(,@x 1)")).toBe("($list->vector ($append $x '(1)))");
  });
  it("unquote at nesting level 2 stays quoted", () => {
    expect(expand("``,x")).toBe("'(quasiquote (unquote x))");
  });
  it("a set! target must be a variable", () => {
    expect(expandError("(set! if 1)")).toMatch(/set!: cannot assign syntax keyword if/);
    expect(expandError("(set! (f) 1)")).toMatch(/set!: expected a variable/);
  });
  it("improper calls", () => {
    expect(expandError("(f . 1)")).toMatch(/improper list in call/);
  });
  it("syntax-rules with a literal and ellipsis after it", () => {
    const src =
      "(define-syntax m (syntax-rules (=>) ((_ a => b ...) (list b ... a)))) (m 1 => 2 3)";
    expect(expand(src)).toBe("(begin '#<unspecified> ($list '2 '3 '1))");
  });
  it("the system environment sees internal names and keywords", () => {
    const ex = makeExpander();
    const sys = ex.systemEnvironment();
    expect(
      show(ex.expandTopLevel(readAll("(when 1 (%make-record-type 'a '()))", "p")[0].datum, sys)),
    ).toBe("(if '1 ($%make-record-type 'a '()) '#<unspecified>)");
  });
  it("import of an unknown name in rename", () => {
    expect(expandError("(import (rename (scheme base) (nope yes)))")).toMatch(
      /nope is not exported/,
    );
  });
  it("exports use the library's name for debuggers", () => {
    const src =
      "(define-library (a) (export x) (import (scheme base)) (begin (define x 1))) (import (a)) x";
    expect(expand(src)).toMatch(/\$\(a\)::x\)$/);
  });
});

describe("R7RS syntax-rules corner cases", () => {
  it("an ellipsis among the literals is a literal", () => {
    expect(expand("(define-syntax m (syntax-rules ... (...) ((_ x) '(x ...)))) (m 100)")).toBe(
      "(begin '#<unspecified> '(100 ...))",
    );
  });
  it("(... ...) alone is an ellipsis symbol", () => {
    expect(expand("(define-syntax m (syntax-rules () ((_) '(... ...)))) (m)")).toBe(
      "(begin '#<unspecified> '...)",
    );
  });
  it("underscore in a template is an ordinary symbol", () => {
    expect(expand("(define-syntax m (syntax-rules () ((_ _) '_))) (m 1)")).toBe(
      "(begin '#<unspecified> '_)",
    );
  });
  it("middle ellipsis with trailing patterns", () => {
    const src =
      "(define-syntax part (syntax-rules () ((_ a b (m n) ... x y) '((a b) (m ...) (n ...) (x y))))) (part 1 2 (3 4) (5 6) 7 8)";
    expect(expand(src)).toBe("(begin '#<unspecified> '((1 2) (3 5) (4 6) (7 8)))");
  });
  it("a template identifier that was a pattern variable of an outer macro", () => {
    const src = `(define-syntax foo (syntax-rules () ((_ bar y) (define-syntax bar (syntax-rules () ((bar x) 'y))))))
      (foo bar x) (bar 1)`;
    expect(expand(src)).toBe("(begin '#<unspecified> '#<unspecified> 'x)");
  });
  it("user variables named let and if inside a hygienic macro use", () => {
    const src = `(define-syntax my-or (syntax-rules () ((_) #f) ((_ e) e) ((_ e r ...) (let ((temp e)) (if temp temp (my-or r ...))))))
      (let ((x #f) (y 7) (temp 8) (let odd?) (if even?)) (my-or x (let temp) (if y) y))`;
    const out = expand(src);
    expect(out).toContain("(let.3 temp.2)");
    expect(out).toContain("(if.4 y.1)");
  });
  it("nested quasiquote with ,,x and ,',x", () => {
    expect(expand("`(a `(b ,,n1 ,',n2))")).toBe(
      "($cons 'a ($cons ($cons 'quasiquote ($cons ($cons 'b ($cons ($cons 'unquote ($cons $n1 '())) ($cons ($cons 'unquote ($cons ($cons 'quote ($cons $n2 '())) '())) '()))) '())) '()))",
    );
  });
});

describe("library edge cases", () => {
  it("exporting an undefined name is an error", () => {
    expect(
      expandError(
        "(define-library (l) (export nope) (import (scheme base)) (begin (define x nope)))",
      ),
    ).toBe("define-library (l): exported name nope is not defined");
  });
  it("a name a library uses but neither defines nor imports is reported when it is defined", () => {
    expect(
      expandError(
        "(define-library (l) (export f) (import (scheme base)) (begin (define (f x) (caddr (g x))) (define (g x) x)))",
      ),
    ).toBe("define-library (l): caddr is used but neither defined nor imported");
    expect(
      expandError(
        "(define-library (l) (export f) (import (scheme base)) (begin (define (f) (list a b))))",
      ),
    ).toBe("define-library (l): a, b are used but neither defined nor imported");
  });
  it("a library may re-export what it imports", () => {
    expect(
      expand("(define-library (l) (export car) (import (scheme base))) (import (l)) (car 1)"),
    ).toBe("(begin '#<unspecified> '#<unspecified> ($car '1))");
  });
  it("circular imports are reported", () => {
    const ex = makeExpander({
      "a.sld": "(define-library (a) (import (b)) (export x) (begin (define x 1)))",
      "b.sld": "(define-library (b) (import (a)) (export y) (begin (define y 1)))",
    });
    expect(expandError("(import (a))", ex)).toBe("circular import of library (a)");
  });
  it("a library file must hold only define-library forms", () => {
    const ex = makeExpander({ "q.sld": "(define x 1)" });
    expect(expandError("(import (q))", ex)).toMatch(/only define-library forms/);
  });
  it("a library file must define the library it is named after", () => {
    const ex = makeExpander({ "q.sld": "(define-library (other) (begin 1))" });
    expect(expandError("(import (q))", ex)).toMatch(/does not define library \(q\)/);
  });
  it("numbers in library names", () => {
    const ex = makeExpander({
      "srfi/999.sld":
        "(define-library (srfi 999) (export v) (import (scheme base)) (begin (define v 1)))",
    });
    expect(expand("(import (srfi 999)) v", ex)).toMatch(/\$\(srfi 999\)::v\)$/);
  });
  it("quote works after a restrictive import", () => {
    expect(expand("(import (only (scheme base) car)) (car '(1))")).toBe(
      "(begin '#<unspecified> ($car '(1)))",
    );
  });
  it("define-library before import keeps the REPL environment", () => {
    const src =
      "(define-library (l) (export f) (import (scheme base)) (begin (define (f) 1))) (import (l)) (list (f))";
    expect(expand(src)).toContain("($list ($(l)::f))");
  });
});

describe("free-identifier=? for literals", () => {
  it("an unbound literal of a library macro matches the user's unbound identifier", () => {
    const src = `(define-library (loop) (export repeat) (import (scheme base))
        (begin (define-syntax repeat (syntax-rules (times) ((_ n times body) (list n 'body))))))
      (import (scheme base) (loop))
      (repeat 3 times x)`;
    expect(expand(src)).toContain("($list '3 'x)");
  });
  it("a literal defined by the user no longer matches a free one", () => {
    const src = `(define-library (loop) (export repeat) (import (scheme base))
        (begin (define-syntax repeat (syntax-rules (times) ((_ n times body) 'matched) ((_ . r) 'other)))))
      (import (scheme base) (loop))
      (define times 1)
      (repeat 3 times x)`;
    expect(expand(src)).toContain("'other");
  });
});

describe("long inputs", () => {
  it("quasiquote of a long list does not deepen the stack", () => {
    const items = Array.from({ length: 100000 }, (_, i) => String(i)).join(" ");
    const c = makeExpander().expandProgram(readAll("`(" + items + " ,x)", "t.scm"), "t.scm");
    expect(c.kind).toBe("call");
  });
  it("a macro use with many arguments", () => {
    const items = Array.from({ length: 20000 }, (_, i) => String(i)).join(" ");
    const src = `(define-syntax count (syntax-rules () ((_ x ...) '(x ...)))) (count ${items})`;
    const c = makeExpander().expandProgram(readAll(src, "t.scm"), "t.scm");
    expect(c.kind === "seq" && c.body[1].kind).toBe("const");
  });
  it("a long cond", () => {
    const clauses = Array.from({ length: 2000 }, (_, i) => `((= x ${i}) ${i})`).join(" ");
    const c = makeExpander().expandProgram(
      readAll(`(cond ${clauses} (else -1))`, "t.scm"),
      "t.scm",
    );
    expect(c.kind).toBe("if");
  });
});

describe("ellipsis depth", () => {
  it("a variable used at more depth than it was matched is repeated", () => {
    const src =
      "(define-syntax m (syntax-rules () ((_ (x ...) (y ...)) '((x y ...) ...)))) (m (1 2) (a b c))";
    expect(expand(src)).toBe("(begin '#<unspecified> '((1 a b c) (2 a b c)))");
  });
  it("nested ellipses over nested matches", () => {
    const src =
      "(define-syntax m (syntax-rules () ((_ (k v ...) ...) '((k . v) ... ...)))) (m (a 1 2) (b 3))";
    expect(expand(src)).toBe("(begin '#<unspecified> '((a . 1) (a . 2) (b . 3)))");
  });
  it("a depth-0 variable inside an ellipsis is repeated", () => {
    const src = "(define-syntax m (syntax-rules () ((_ a (b ...)) '((a b) ...)))) (m z (1 2))";
    expect(expand(src)).toBe("(begin '#<unspecified> '((z 1) (z 2)))");
  });
  it("empty matches", () => {
    const src = "(define-syntax m (syntax-rules () ((_ (a b ...) ...) '(x (a b ...) ...)))) (m)";
    expect(expand(src)).toBe("(begin '#<unspecified> '(x))");
  });
});

function cellClass(): typeof GlobalCell {
  const c = new Map<string, GlobalCell>();
  const ex = new Expander({ systemCells: c, libraries: {}, host: memoryFs({}) });
  ex.systemEnvironment().lookupName("x");
  return c.get("x")!.constructor as typeof GlobalCell;
}
