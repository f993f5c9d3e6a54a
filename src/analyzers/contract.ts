/**
 * The analyser contract: an analyser is one value that declares what it reads — feature streams
 * (features/streams.ts) and other analysers' outputs, named in `needs` by the analyser objects
 * themselves — and returns what it provides. A public analyser returns exactly the result fields
 * it declares (`fields`, typed against Analysis); an internal one (the rhythm model, the beat
 * activation) returns any value its dependants read. The plan is a topological sort over `needs`
 * that fails loudly on an unknown feature, a missing dependency or a cycle; the runner hands each
 * analyser only the streams it declared (reading another one throws) and only its needs' outputs.
 *
 * Adding an analyser: its file (a `defineAnalyzer` value) plus one line in registry.ts; a new
 * result field is also declared in result.ts and schema/analysis.schema.json, which
 * test/schema.test.ts checks against every analyser's `fields`.
 */
import type { StreamName, Streams } from "../features/streams.js";
import { type Analysis, type AnalyzerOptions, type FeatureName, TrackprobeError } from "../result.js";

/** What an analyser's `run` gets. */
export interface AnalyzerInput<S extends StreamName = StreamName, N extends Needs = Needs> {
  /** The declared streams, finished (or a snapshot of them for a preview). */
  streams: Pick<Streams, S>;
  /** The outputs of the declared dependencies, by the names `needs` gives them. */
  needs: { [K in keyof N]: OutputOf<N[K]> };
  /** Options that steer the analysers (part of the result and of the cache key). */
  options: AnalyzerOptions;
  /** Seconds of audio the streams cover. */
  duration: number;
  /** Adds a warning to the result (prefixed by nothing: say which field it is about). */
  warn(message: string): void;
  signal?: AbortSignal;
}

export type Needs = { readonly [name: string]: Analyzer };

/** Any analyser, as the planner and the runner see it. */
export interface Analyzer<Out = unknown> {
  /** Unique name; a replacement provider (e.g. another beat activation) has the same name. */
  readonly name: string;
  /** The `--features` names it answers (empty for an internal analyser). */
  readonly features: readonly FeatureName[];
  /** Result fields it fills: its output's keys (features, then what comes with them). */
  readonly fields: readonly (keyof Analysis)[];
  readonly streams: readonly StreamName[];
  readonly needs: Needs;
  // any: each analyser types its own input; the runner builds it from the declaration
  run(input: AnalyzerInput<any, any>): Out | Promise<Out>;
}

export type OutputOf<A> = A extends Analyzer<infer O> ? Awaited<O> : never;

/** The result fields F, each required (null where the analyser cannot tell). */
export type Fields<F extends keyof Analysis> = { [K in F]-?: Exclude<Analysis[K], undefined> };

/** A public analyser: `run` must return exactly the declared fields. */
export function defineAnalyzer<const S extends StreamName, const N extends Needs, const F extends keyof Analysis>(def: {
  name: string;
  /** A feature is usually also a field (tempo); "structure" fills sections and cues. */
  features: readonly FeatureName[];
  fields: readonly F[];
  streams: readonly S[];
  needs: N;
  run(input: AnalyzerInput<S, N>): Fields<F> | Promise<Fields<F>>;
}): Analyzer<Fields<F>> {
  return Object.freeze({ ...def });
}

/** An internal analyser: its output is read by the analysers that need it, not reported. */
export function defineInternal<const S extends StreamName, const N extends Needs, Out>(def: {
  name: string;
  streams: readonly S[];
  needs: N;
  run(input: AnalyzerInput<S, N>): Out | Promise<Out>;
}): Analyzer<Out> {
  return Object.freeze({ ...def, features: [], fields: [] });
}

/** One step of a plan: an analyser and its needs, each resolved to the provider that runs. */
export interface Step {
  analyzer: Analyzer;
  needs: Record<string, Analyzer>;
}

export interface Plan {
  /** Dependency order: every step after the steps it needs. */
  steps: Step[];
  /** Every stream some step reads. */
  streams: StreamName[];
}

/**
 * The steps that answer `features` (with everything they need), in dependency order.
 * `providers` replaces, by name, an analyser wherever it is needed (e.g. the beat activation).
 * Throws on a feature no analyser answers, a need that is not an analyser, or a cycle.
 */
export function planAnalyzers(
  registry: readonly Analyzer[],
  features: readonly FeatureName[],
  providers: readonly Analyzer[] = [],
): Plan {
  const byName = new Map(providers.map((p) => [p.name, p]));
  const resolve = (a: Analyzer) => byName.get(a.name) ?? a;
  const steps: Step[] = [];
  const done = new Set<Analyzer>();
  const visiting: Analyzer[] = [];
  const visit = (declared: Analyzer) => {
    const a = resolve(declared);
    if (done.has(a)) return;
    if (visiting.includes(a)) {
      const cycle = [...visiting.slice(visiting.indexOf(a)), a].map((x) => x.name).join(" → ");
      throw new TrackprobeError("INTERNAL", `analyser dependency cycle: ${cycle}`);
    }
    visiting.push(a);
    const needs: Record<string, Analyzer> = {};
    for (const [key, dep] of Object.entries(a.needs)) {
      // undefined here is an import cycle between analyser modules, or a typo behind a cast
      if (!dep || typeof dep.run !== "function") {
        throw new TrackprobeError("INTERNAL", `analyser "${a.name}" needs "${key}", which is not an analyser (missing or not yet defined)`);
      }
      visit(dep);
      needs[key] = resolve(dep);
    }
    visiting.pop();
    done.add(a);
    steps.push({ analyzer: a, needs });
  };
  for (const f of features) {
    const owners = registry.filter((a) => a.features.includes(f));
    if (owners.length === 0) throw new TrackprobeError("BAD_OPTION", `no analyser provides the feature "${f}"`);
    if (owners.length > 1) throw new TrackprobeError("INTERNAL", `the feature "${f}" is provided by ${owners.map((a) => a.name).join(" and ")}`);
    visit(owners[0]);
  }
  const streams = [...new Set(steps.flatMap((s) => s.analyzer.streams))];
  return { steps, streams };
}

/** Result fields of the steps that ran only as dependencies of what was asked for. */
export function unrequestedFields(steps: readonly Step[], features: readonly FeatureName[]): (keyof Analysis)[] {
  const asked = steps.filter((s) => s.analyzer.features.some((f) => features.includes(f)));
  const keep = new Set<string>([...features, ...asked.flatMap((s) => s.analyzer.fields)]);
  return [...new Set(steps.flatMap((s) => s.analyzer.fields))].filter((f) => !keep.has(f));
}

export interface RunContext {
  options: AnalyzerOptions;
  duration: number;
  warnings: string[];
  signal?: AbortSignal;
}

/**
 * Runs the steps in order on the streams; returns the result fields they fill. Each analyser sees
 * only its declared streams and its needs' outputs.
 */
export async function runSteps(steps: readonly Step[], streams: Partial<Streams>, ctx: RunContext): Promise<Partial<Analysis>> {
  const outputs = new Map<Analyzer, unknown>();
  const fields: Record<string, unknown> = {};
  for (const { analyzer: a, needs } of steps) {
    ctx.signal?.throwIfAborted();
    const input: AnalyzerInput = {
      streams: declaredStreams(a, streams),
      needs: Object.fromEntries(Object.entries(needs).map(([k, d]) => [k, outputs.get(d)])) as AnalyzerInput["needs"],
      options: ctx.options,
      duration: ctx.duration,
      warn: (m) => ctx.warnings.push(m),
      signal: ctx.signal,
    };
    const out = await a.run(input);
    outputs.set(a, out);
    for (const f of a.fields) {
      const v = (out as Record<string, unknown>)[f];
      if (v === undefined) throw new TrackprobeError("INTERNAL", `analyser "${a.name}" did not return its field "${f}"`);
      fields[f] = v;
    }
  }
  return fields as Partial<Analysis>;
}

/** The streams an analyser declared; reading any other throws (a bug, found by the first test). */
function declaredStreams(a: Analyzer, streams: Partial<Streams>): Streams {
  return new Proxy(streams, {
    get(target, key, receiver) {
      if (typeof key === "string" && !a.streams.includes(key as StreamName)) {
        throw new TrackprobeError("INTERNAL", `analyser "${a.name}" reads the stream "${key}", which it did not declare`);
      }
      return Reflect.get(target, key, receiver);
    },
  }) as Streams;
}
