// stories.ts — a corpus NanoLM generates itself: short, simple children's stories from a small
// grammar, the same for a given seed on every machine.
//
// Why generate text: NanoLM ships its own models and may not ship anyone else's text, and a
// download is not allowed at all. A grammar gives text with real structure to learn — agreement
// (Mia … she), a story arc (a wish, a problem, a helper, an ending), dialogue in quotes — small
// enough for a model of a few hundred thousand parameters to pick up in minutes, so a learner can
// watch `nano-pico` go from noise to sentences.

/** A small fast PRNG (mulberry32): deterministic, good enough for choosing words. */
export class StoryRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface Hero {
  name: string;
  kind: string; // "girl", "boy", "cat", …
  he: string; // she / he
  him: string; // her / him
  his: string; // her / his
}

export const GIRLS = ["Mia", "Lily", "Anna", "Zoe", "Emma", "Lucy", "Sara", "Nina", "Ella", "Rosa"];
export const BOYS = ["Tom", "Ben", "Sam", "Max", "Leo", "Jack", "Finn", "Omar", "Luke", "Theo"];
export const ANIMALS = [
  "cat",
  "dog",
  "rabbit",
  "fox",
  "bird",
  "duck",
  "bear",
  "mouse",
  "frog",
  "owl",
];
export const PLACES = [
  "the park",
  "the garden",
  "the forest",
  "the beach",
  "the river",
  "the hill",
  "the farm",
  "the market",
  "the school",
  "the lake",
];
const HOMES = ["a small house", "a big farm", "a little town", "a blue house", "a quiet village"];
export const COLORS = ["red", "blue", "green", "yellow", "orange", "purple", "pink", "white"];
export const THINGS = [
  "ball",
  "kite",
  "hat",
  "box",
  "boat",
  "book",
  "cup",
  "drum",
  "toy car",
  "bucket",
];
const FOODS = ["apple", "cake", "cookie", "pie", "sandwich", "banana", "carrot", "orange"];
const FEELINGS_GOOD = ["happy", "glad", "excited", "proud", "calm"];
const FEELINGS_BAD = ["sad", "worried", "scared", "upset", "tired"];
const WEATHER = [
  "The sun was warm.",
  "It was a windy day.",
  "The sky was blue.",
  "It rained a little.",
];

function hero(r: StoryRandom): Hero {
  if (r.chance(0.2)) {
    const kind = r.pick(ANIMALS);
    const girl = r.chance(0.5);
    const name = r.pick(girl ? GIRLS : BOYS);
    return girl
      ? { name, kind, he: "she", him: "her", his: "her" }
      : { name, kind, he: "he", him: "him", his: "his" };
  }
  return r.chance(0.5)
    ? { name: r.pick(GIRLS), kind: "girl", he: "she", him: "her", his: "her" }
    : { name: r.pick(BOYS), kind: "boy", he: "he", him: "him", his: "his" };
}

const capital = (s: string): string => s[0].toUpperCase() + s.slice(1);
const article = (word: string): string => (/^[aeiou]/.test(word) ? "an" : "a");

/** One story: a few short paragraphs-worth of sentences on one line each. */
export function story(r: StoryRandom): string {
  const h = hero(r);
  const friend = r.pick(ANIMALS.filter((a) => a !== h.kind));
  const place = r.pick(PLACES);
  const color = r.pick(COLORS);
  const thing = r.pick(THINGS);
  const item = `${color} ${thing}`;
  const food = r.pick(FOODS);
  const s: string[] = [];

  s.push(
    r.chance(0.5)
      ? `Once upon a time, there was a little ${h.kind} named ${h.name}.`
      : `${h.name} was a little ${h.kind} who lived in ${r.pick(HOMES)}.`,
  );
  s.push(
    r.pick([
      `${capital(h.he)} had ${article(color)} ${item}.`,
      `${capital(h.he)} loved ${h.his} ${item} very much.`,
      `Every day, ${h.he} played with ${h.his} ${item}.`,
    ]),
  );
  if (r.chance(0.5)) s.push(r.pick(WEATHER));
  s.push(`One day, ${h.name} went to ${place} with ${h.his} ${item}.`);
  s.push(`There ${h.he} met ${article(friend)} ${friend}.`);
  const [greeting, reply] = r.pick([
    [
      `"Hello," said the ${friend}. "Can I play with you?"`,
      `"Yes, let's play together," said ${h.name}.`,
    ],
    [`"What is that?" asked the ${friend}.`, `"It is my ${item}," said ${h.name} with a smile.`],
    [`"Hi, ${h.name}!" said the ${friend}.`, `"Hi! Do you want to play?" asked ${h.name}.`],
  ]);
  s.push(greeting, reply);

  // the problem
  const problem = r.pick([
    `The wind took the ${thing} up into a tall tree.`,
    `The ${thing} fell into the water.`,
    `The ${thing} rolled away under a big rock.`,
    `${h.name} could not find ${h.his} ${thing}.`,
  ]);
  s.push(problem);
  s.push(`${h.name} felt ${r.pick(FEELINGS_BAD)}.`);

  // the help
  if (r.chance(0.7)) {
    s.push(`"Do not worry," said the ${friend}. "I will help you."`);
    s.push(
      r.pick([
        `The ${friend} climbed and climbed, and soon it brought the ${thing} back.`,
        `The ${friend} looked everywhere and found the ${thing}.`,
        `Together they pulled and pushed until the ${thing} was free.`,
      ]),
    );
    s.push(`"Thank you!" said ${h.name}. "You are a good friend."`);
  } else {
    s.push(`${h.name} thought for a moment. Then ${h.he} had an idea and got the ${thing} back.`);
    s.push(`The ${friend} clapped. "You are so clever, ${h.name}!"`);
  }

  // the ending
  s.push(
    r.pick([
      `They shared ${article(food)} ${food} and played until the sun went down.`,
      `Then they went home, and ${h.name} told ${h.his} mom all about the ${friend}.`,
      `From that day on, ${h.name} and the ${friend} played at ${place} every day.`,
    ]),
  );
  s.push(`${h.name} was very ${r.pick(FEELINGS_GOOD)}.`);
  if (r.chance(0.3)) s.push(`The end.`);
  return s.join(" ");
}

/** `count` stories from `seed`, one per element (one document each). */
export function generateStories(seed: number, count: number): string[] {
  const r = new StoryRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(story(r));
  return out;
}
